/// A record or event that was read but does not count, and why.
///
/// `writ show` and `writ verify` list these; the engine never drops a
/// record silently.
package struct DiscardedRecord: Sendable, Hashable, Codable {
    /// What was discarded.
    package enum Kind: String, Sendable, Hashable, Codable {
        /// An approval or deny record (`approvals/<aa>/<id>/<principal>.toml`).
        case approval
        /// A governance record (`approvals/_governance/<hex>/<principal>.toml`).
        case governance
        /// An audit event.
        case event
    }

    package let kind: Kind
    /// The record's path in its layout.
    package let path: String
    /// The commit that introduced it, when known.
    package let commit: ObjectID?
    /// The principal the record is filed under (or the event's actor), when it can be told.
    package let principal: Principal?
    package let reason: ReasonCode
    /// A human sentence naming the precise cause.
    package let detail: String
}
