/// An audit event that counts (SPEC §3): parsed, filed for its intent, and
/// added by a ledger commit signed by a principal entitled to write it.
package struct CountingEvent: Sendable, Equatable {
    /// `audit/<aa>/<id>/<seq>-<event>.json`
    package let path: String
    /// The sequence number of its file name, which orders an intent's events.
    package let sequence: Int
    /// The ledger commit that added it.
    package let commit: ObjectID
    package let event: AuditEvent
}
