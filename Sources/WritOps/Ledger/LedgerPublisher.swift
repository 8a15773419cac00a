import Foundation
import WritCore
import WritGit

/// Appends signed commits to the ledger and makes them durable before
/// returning: a fast-forward push with compare-and-swap when a remote is
/// configured, a compare-and-swap ref update when not (SPEC §6).
///
/// A lost race (another dispatcher moved the ledger first) refreshes the tip
/// and asks the caller to rebuild its files on the new tip; the caller may
/// decline (return nil), which is how a claim steps back when someone else
/// claimed first. Nothing is ever forced.
///
/// Every commit carries the `Writ-Governance` trailer naming the trusted
/// governance tip the caller decided on (`GovernanceAnchor`), which places
/// it on the governance timeline (docs/audit.md).
struct LedgerPublisher {
    package let ops: OpsRepo
    package let remote: String?
    package let signer: SigningIdentity
    /// Where commits are built when set: in memory, then written as one
    /// pack just before the ledger moves (`ObjectStage`), instead of a
    /// loose file per object.
    var stage: ObjectStage? = nil
    var maximumAttempts = 64
    /// How long a ref lock may stand before it is taken for a dead writer's.
    static let staleRefLockSeconds: TimeInterval = 5

    /// Fetches both branches when a remote is configured and moves the local
    /// branches to what the remote holds; returns the ledger tip.
    @discardableResult
    func refresh() throws -> ObjectID {
        if let remote {
            let repository = ops.repository
            let tips = try repository.fetch(remote: remote, refs: [ops.governanceRef, ops.ledgerRef])
            for branch in [ops.governanceRef, ops.ledgerRef] {
                guard let fetched = tips[branch], let tip = fetched else {
                    throw RuntimeError(
                        "remote '\(remote)' has no branch '\(branch)'",
                        fix: "remote, governance_ref and ledger_ref in dispatcher.toml")
                }
                let local = try repository.resolve(OpsRepo.refName(branch))
                if local != tip {
                    try repository.updateRef(OpsRepo.refName(branch), to: tip, expecting: local, message: "writ: fetch")
                }
            }
        }
        return try ops.ledgerHead()
    }

    /// The next event sequence number for `id` in `tree`: the first number
    /// after `after` that no file of the intent's folder uses.
    ///
    /// `after` is the highest sequence among the intent's events that count
    /// (the dispatcher knows them); without it, the highest in the folder.
    /// Numbering after counting events only means a planted
    /// `999999999999999999-blocked.json` cannot push writ's own events past
    /// the largest number a ledger path may hold.
    func nextSequence(for id: IntentID, inTree tree: ObjectID, after: Int?) throws -> Int {
        let folder = "audit/\(id.fanOut)/\(id.rawValue)"
        var taken = Set<Int>()
        if let entry = try ops.repository.entry(at: folder, inTree: tree), entry.kind == .tree {
            for file in try ops.repository.tree(entry.id) {
                guard let dash = file.name.firstIndex(of: "-"), let sequence = Int(file.name[..<dash]) else { continue }
                taken.insert(sequence)
            }
        }
        var next = (after ?? taken.max() ?? 0) + 1
        while taken.contains(next) { next += 1 }
        guard next <= LedgerPath.maximumSequence else {
            throw RuntimeError(
                "the audit folder \(folder) already holds an event numbered \(next - 1), past which no event can be numbered",
                fix: "the ledger branch (an operator must repair \(folder))")
        }
        return next
    }

    /// Builds the event files for `events` on `tree`, numbering each
    /// intent's events after `after[id]` (see `nextSequence`).
    package func files(for events: [AuditEvent], onTree tree: ObjectID, after: [IntentID: Int] = [:]) throws -> [String:
        Data]
    {
        var next: [IntentID: Int] = [:]
        var files: [String: Data] = [:]
        for event in events {
            let sequence =
                try next[event.intent] ?? nextSequence(for: event.intent, inTree: tree, after: after[event.intent])
            next[event.intent] = sequence + 1
            files[event.path(sequence: sequence).path] = Data(event.canonicalJSON())
        }
        return files
    }

    /// One attempt: commits `files` on `tip` and makes the commit durable.
    /// Returns nil when another writer moved the ledger first (refresh,
    /// re-evaluate, and try again on the new tip).
    func attempt(files: [String: Data], on tip: ObjectID, message: String, anchoredAt anchor: ObjectID, now: Date)
        throws -> ObjectID?
    {
        guard let commit = try build(files: files, on: tip, message: message, anchoredAt: anchor, now: now) else {
            return nil
        }
        return try makeDurable(commit, on: tip) ? commit : nil
    }

    /// Writes the signed commit adding `files` on `tip`, without moving any
    /// ref; nil when a path already exists there. `anchor` is the trusted
    /// governance tip the events were decided on; the commit names a newer
    /// one that `tip` already stands at instead (`GovernanceAnchor.anchor`),
    /// so that its anchor never moves back.
    package func build(files: [String: Data], on tip: ObjectID, message: String, anchoredAt anchor: ObjectID, now: Date)
        throws
        -> ObjectID?
    {
        try stage?.mergeSmallPacksWhenDue()
        let repository = stage?.repository ?? ops.repository
        let tree = try repository.commitTree(tip)
        let newTree: ObjectID
        do {
            newTree = try repository.insert(files, into: tree, overwrite: false)
        } catch GitUsageError.pathExists {
            stage?.discard()
            return nil
        }
        let identity = signer.gitIdentity(at: now)
        let anchor = GovernanceAnchor.anchor(
            deciding: anchor, onTopOf: tip, governanceHead: try? ops.governanceHead(), in: repository)
        return try repository.createSignedCommit(
            tree: newTree, parents: [tip], author: identity, committer: identity,
            message: GovernanceAnchor.message(message, anchoredAt: anchor)
        ) { payload in try signer.sign(payload, namespace: SignatureNamespace.commit) }
    }

    /// Moves the ledger from `tip` to `commit`: a compare-and-swap push, or a
    /// compare-and-swap ref update. False when another writer got there first.
    func makeDurable(_ commit: ObjectID, on tip: ObjectID) throws -> Bool {
        let repository = ops.repository
        // The commit's objects are on disk, flushed and kept from git's
        // maintenance, before any ref names it; the keep goes once the
        // local ledger names the commit, or when the commit is given up.
        try stage?.writePack(carrying: commit)
        let moved = try moveLedger(to: commit, from: tip)
        if !moved { stage?.giveUp(commit) }
        stage?.releaseKept(namedBy: try? repository.resolve(OpsRepo.refName(ops.ledgerRef)))
        return moved
    }

    private func moveLedger(to commit: ObjectID, from tip: ObjectID) throws -> Bool {
        let repository = ops.repository
        do {
            if let remote {
                try repository.push(remote: remote, branch: ops.ledgerRef, from: commit, expecting: tip)
                // The push made the commit durable: that is the claim. The
                // local ref only mirrors the remote, and the next refresh
                // moves it; failing here (a ref lock held by another local
                // writer) must not read as a lost race, or this dispatcher
                // would step back from its own claim and leave it in doubt.
                if let local = try? repository.resolve(OpsRepo.refName(ops.ledgerRef)) {
                    try? repository.updateRef(OpsRepo.refName(ops.ledgerRef), to: commit, expecting: local)
                }
            } else {
                try repository.updateRef(OpsRepo.refName(ops.ledgerRef), to: commit, expecting: tip)
            }
            return true
        } catch PushError.conflict, PushError.rejected, PushError.notFastForward, PushError.locked {
            return false
        } catch RefUpdateError.conflict {
            return false
        } catch RefUpdateError.locked {
            // A dispatcher killed mid-update leaves the ledger's ref lock
            // behind; one that has stood for seconds is removed, then retried.
            repository.removeStaleReferenceLock(OpsRepo.refName(ops.ledgerRef), olderThan: Self.staleRefLockSeconds)
            return false
        }
    }

    /// Publishes `events`, renumbering them on whatever tip the ledger has
    /// when a race is lost. For events whose meaning does not depend on the
    /// tip (outcomes, blocked, in doubt).
    @discardableResult
    func publish(
        _ events: [AuditEvent], message: String, anchoredAt anchor: ObjectID, now: Date, after: [IntentID: Int] = [:]
    ) throws -> ObjectID? {
        guard !events.isEmpty else { return nil }
        var tip = try ops.ledgerHead()
        for attempt in 0..<maximumAttempts {
            if attempt > 0 {
                backOff(attempt)
                tip = try refresh()
            }
            let files = try self.files(for: events, onTree: try ops.repository.commitTree(tip), after: after)
            if let commit = try self.attempt(files: files, on: tip, message: message, anchoredAt: anchor, now: now) {
                return commit
            }
        }
        throw RuntimeError.contention(
            "the ledger kept moving; could not publish after \(maximumAttempts) attempts", branch: ops.ledgerRef)
    }

    /// Backs off before another attempt after a lost race.
    func backOff(_ attempt: Int) {
        usleep(UInt32.random(in: 1_000...20_000) * UInt32(max(1, min(attempt, 8))))
    }
}
