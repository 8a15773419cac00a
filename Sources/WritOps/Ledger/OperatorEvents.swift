import Foundation
import WritCore
import WritGit

/// Events a person (or CI) appends to the ledger by hand: `writ resolve`
/// settles a claim left in doubt, `writ gate` attests a gate result.
///
/// Each is bound to the digest of the intent's bytes as they are now, signed
/// in a ledger commit by the acting principal; whether it counts is decided
/// by the readers (SPEC §3 event authority), never by the writer.
package struct OperatorEvents {
    package let ops: OpsRepo
    /// Push the ledger to `ops.remote` (compare-and-swap; a lost race
    /// renumbers the event on the remote's new tip, never forces).
    package var pushes = false

    package init(ops: OpsRepo) {
        self.ops = ops
    }

    /// Appends `resolved` for `id`; with `check`, only when it would count
    /// (``WriteGuard``).
    @discardableResult
    package func resolve(
        _ id: IntentID, resolution: AuditEvent.Resolution, note: String, as signer: SigningIdentity, now: Date,
        check: WriteGuard? = nil
    ) throws -> ObjectID {
        try check?.checkResolution(id, resolution, signer: signer, ops: ops, now: now)
        return try append(id, as: signer, now: now, verb: "resolve") { digest in
            try AuditEvent(
                intent: id, intentDigest: digest, at: Timestamp(now), actor: signer.principal,
                payload: .resolved(resolution: resolution, note: note))
        }
    }

    /// Appends `gate` for `id`; with `check`, only when it would count
    /// (``WriteGuard``).
    @discardableResult
    package func gate(
        _ id: IntentID, name: String, status: AuditEvent.GateStatus, as signer: SigningIdentity, now: Date,
        check: WriteGuard? = nil
    ) throws -> ObjectID {
        try check?.checkGate(id, signer: signer, ops: ops, now: now)
        return try append(id, as: signer, now: now, verb: "gate \(name) \(status.rawValue)") { digest in
            try AuditEvent(
                intent: id, intentDigest: digest, at: Timestamp(now), actor: signer.principal,
                payload: .gate(name: name, status: status))
        }
    }

    private func append(
        _ id: IntentID, as signer: SigningIdentity, now: Date, verb: String, make: (ContentDigest) throws -> AuditEvent
    ) throws -> ObjectID {
        let remote = try ops.pushRemote(pushes, fetching: [ops.governanceRef, ops.ledgerRef])
        try ops.catchUp(ops.ledgerRef)
        let head = try ops.ledgerHead()
        guard let bytes = try ops.blob(LedgerPath.intent(id).path, in: head) else {
            throw ops.unknownIntent(id)
        }
        _ = try Intent.parse(bytes, expectedPath: LedgerPath.intent(id).path)
        let event = try make(Intent.digest(ofFileBytes: bytes))
        // The anchor: the governance head this command read.
        let governanceHead = try ops.governanceHead()
        // Numbered on whatever tree the commit is built on, so a rebuild
        // after a lost race takes the next free number there.
        let publisher = LedgerPublisher(ops: ops, remote: nil, signer: signer)
        let message = { (parent: ObjectID) in
            GovernanceAnchor.message(
                "writ: \(verb) \(id) as \(signer.principal)\n", decidedAt: governanceHead, onTopOf: parent, ops: ops)
        }
        return try BranchAppender(repository: ops.repository).append(
            to: ops.ledgerRef, pushingTo: remote, alsoFetching: [ops.governanceRef], messageOn: message, signer: signer,
            at: now
        ) { tree in try publisher.files(for: [event], onTree: tree) }
    }
}
