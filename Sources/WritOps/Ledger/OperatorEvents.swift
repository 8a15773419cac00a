import Foundation
import WritCore
import WritGit

/// Events a person (or CI) appends to the ledger by hand: `writ resolve`
/// settles a claim left in doubt, `writ gate` attests a gate result, and
/// `writ withdraw` takes back an intent not yet claimed.
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

    /// Appends `withdrawn` for `id`: the intent's proposer, or a role of its
    /// tier, takes it back before it is claimed (SPEC §3, §4.8). With
    /// `check`, only when it would count (``WriteGuard``), judged after the
    /// ledger is fetched.
    ///
    /// A withdrawal races the dispatchers' claims; by ledger order exactly
    /// one of them counts. When the push loses its race, the commit is
    /// rebuilt on the remote's new tip, and if a claim, an outcome or
    /// another withdrawal of this intent arrived there, the withdrawal is
    /// refused (`already_executed`, `withdrawn`) rather than appended where
    /// it could never count. Without a remote the same holds for a local
    /// writer that moved the branch first.
    @discardableResult
    package func withdraw(
        _ id: IntentID, note: String, as signer: SigningIdentity, now: Date, check: WriteGuard? = nil
    ) throws -> ObjectID {
        var seen: Set<String>?
        return try append(
            id, as: signer, now: now, verb: "withdraw",
            afterFetch: { head in
                // Read before the check: a settling event that lands between
                // the two reads is then refused on the rebuild, not missed.
                seen = try settlingEvents(of: id, inTree: try ops.repository.commitTree(head))
                try check?.checkWithdrawal(id, signer: signer, ops: ops, now: now)
            },
            onTree: { tree in
                let present = try settlingEvents(of: id, inTree: tree)
                guard let arrived = present.subtracting(seen ?? []).sorted().first else { return }
                let finding =
                    arrived.hasSuffix("-withdrawn.json")
                    ? WritError(.withdrawn, "\(id) was withdrawn by another writer meanwhile (\(arrived))")
                    : WritError(
                        .alreadyExecuted,
                        "\(id) was claimed or settled while this withdrawal was being written (\(arrived)): "
                            + "that event came first on the ledger, so the withdrawal would not count")
                let advice =
                    "writ show \(id) shows the intent as it stands; a claimed intent is settled by its outcome or by "
                    + "writ resolve"
                try (check ?? WriteGuard(trustRoot: nil, force: false, warn: { _ in }))
                    .raceLost(finding, advice: advice)
            },
            make: { digest in
                try AuditEvent(
                    intent: id, intentDigest: digest, at: Timestamp(now), actor: signer.principal,
                    payload: .withdrawn(note: note))
            })
    }

    /// The paths of `id`'s events in `tree` that settle or claim it: what a
    /// withdrawal may not follow.
    private func settlingEvents(of id: IntentID, inTree tree: ObjectID) throws -> Set<String> {
        let folder = "audit/\(id.fanOut)/\(id.rawValue)"
        guard let entry = try ops.repository.entry(at: folder, inTree: tree), entry.kind == .tree else { return [] }
        var paths = Set<String>()
        for file in try ops.repository.tree(entry.id) {
            let path = folder + "/" + file.name
            guard case .auditEvent(_, _, let kind)? = LedgerPath(path) else { continue }
            switch kind {
            case .claimed, .succeeded, .failed, .inDoubt, .withdrawn: paths.insert(path)
            case .autoApproved, .blocked, .resolved, .projection, .gate, .breakGlass: continue
            }
        }
        return paths
    }

    private func append(
        _ id: IntentID, as signer: SigningIdentity, now: Date, verb: String,
        afterFetch: ((_ head: ObjectID) throws -> Void)? = nil, onTree: ((_ tree: ObjectID) throws -> Void)? = nil,
        make: (ContentDigest) throws -> AuditEvent
    ) throws -> ObjectID {
        let remote = try ops.pushRemote(pushes, fetching: [ops.governanceRef, ops.ledgerRef])
        try ops.catchUp(ops.ledgerRef)
        let head = try ops.ledgerHead()
        try afterFetch?(head)
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
        ) { tree in
            try onTree?(tree)
            return try publisher.files(for: [event], onTree: tree)
        }
    }
}
