import Foundation

/// An intent file as read from the ledger, with its `.sig`.
package struct IntentEvidence: Sendable, Equatable {
    /// Ledger-layout path of the `.toml`: `intents/<aa>/<id>.toml`.
    package let path: String
    /// The file's exact bytes; the intent digest is over these.
    package let bytes: Data
    /// The `.toml.sig` next to it, nil when absent.
    package let signature: Data?
    package init(path: String, bytes: Data, signature: Data?) {
        self.path = path
        self.bytes = bytes
        self.signature = signature
    }
}

/// One version of an approval or denial record on the governance branch's
/// first-parent history.
package struct ApprovalEvidence: Sendable, Equatable {
    /// Governance-layout path: `approvals/<aa>/<id>/<principal>.toml`.
    package let path: String
    package let bytes: Data
    /// The `.sig` next to it, nil when absent.
    package let signature: Data?
    /// The first-parent governance commit that introduced this record version.
    package let commit: ObjectID
    /// When `commit` landed, by the governance clock of a wait or a
    /// break-glass review (SPEC §4.6–4.7): its committer date, never earlier
    /// than its first parent's (docs/policy.md). Nil when the reader does
    /// not know it (evidence built by hand); then no wait can be shown to
    /// have passed and no review deadline can be computed from it.
    package let committedAt: Date?

    package init(path: String, bytes: Data, signature: Data?, commit: ObjectID, committedAt: Date? = nil) {
        self.path = path
        self.bytes = bytes
        self.signature = signature
        self.commit = commit
        self.committedAt = committedAt
    }
}

/// One audit event file on the ledger, with who signed the commit that added it.
package struct EventEvidence: Sendable, Equatable {
    /// Ledger-layout path: `audit/<aa>/<id>/<seq>-<event>.json`.
    package let path: String
    package let bytes: Data
    /// The ledger commit that added it.
    package let commit: ObjectID
    /// Principals whose trusted allowed_signers key made the commit's SSH
    /// signature (namespace `git`), as verified by the caller; empty when
    /// the commit is unsigned or its signature does not verify.
    package let signers: Set<Principal>
    /// Whether the event counts, as `LedgerWalk` decided it under the
    /// governance trusted at its commit's ledger position (docs/audit.md).
    /// Every ledger reader sets it; nil only for evidence built by hand,
    /// which is then judged with the same `EventAuthority.isEntitled` under
    /// the deciding policy.
    package let counts: Bool?

    package init(path: String, bytes: Data, commit: ObjectID, signers: Set<Principal>, counts: Bool? = nil) {
        self.path = path
        self.bytes = bytes
        self.commit = commit
        self.signers = signers
        self.counts = counts
    }
}
