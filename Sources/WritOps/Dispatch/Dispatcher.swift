import Foundation
import Logging
import WritCore
import WritGit
import WritSystem

/// One dispatcher: polls the ops repo and executes exactly the intents that
/// may run, at most once, recording every claim and outcome as signed
/// ledger commits (SPEC §4–§6).
///
/// A poll: take the profile lock; fetch; bring the remembered view up to
/// the new tips (rewrite, trust and append-only checks); then, for each
/// intent still in play, in id order, decide and act. A claim is journalled
/// in the state dir, then published durably, and only then executed.
package struct Dispatcher {
    package let config: DispatcherConfig
    /// The dispatcher's environment: the source of allowlisted variables and secrets.
    package var environment: [String: String]
    package var clock: @Sendable () -> Date
    package var dryRun = false
    /// Where the poll says what it does: one line per lock recovery, claim
    /// and intent acted on, with ids, commits and reason codes only (never
    /// executor output or a secret).
    package var logger = Logger(label: "writ.dispatch")
    /// The `writ` binary that runs each network fetch and push under the
    /// `[remote]` timeout (`RemoteAccess.helper`); nil runs them in this
    /// process, where a server that never answers cannot be abandoned.
    package var remoteHelper: String?
    /// The signatures found valid so far, kept across polls (its file is
    /// read by the first and appended to by each): the ops repo of every
    /// poll carries it, so the verifications of a poll consult it and no
    /// other.
    package let verificationCache = VerificationCache()

    package init(
        config: DispatcherConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.environment = environment
        self.clock = clock
    }

    /// Runs one poll and returns its report (also written to the state dir).
    package func poll() throws -> RunReport {
        let started = clock()
        let lock = try ProfileLock.acquire(
            stateDir: config.stateDir, profile: config.profile, ttlSeconds: config.lockTTLSeconds, now: started)
        defer { lock.release() }
        if lock.acquisition.recovered, let previous = lock.acquisition.previous {
            logger.notice(
                "recovered a stale profile lock", metadata: ["pid": "\(previous.pid)", "host": "\(previous.host)"])
        }
        let runID =
            "run-\(Int(started.timeIntervalSince1970))-\(String(format: "%08x", UInt32.random(in: .min ... .max)))"
        var report = RunReport(
            runID: runID, profile: config.profile, startedAt: Timestamp(started), finishedAt: Timestamp(started),
            lock: lock.acquisition, dryRun: dryRun, intents: [])

        let ops: OpsRepo
        do {
            ops = try OpsRepo(
                path: config.opsRepo, governanceRef: config.governanceRef, ledgerRef: config.ledgerRef,
                verificationCache: verificationCache)
        } catch let error as RuntimeError {
            throw RuntimeError(error.detail, fix: "ops_repo in dispatcher.toml (\(config.opsRepo))")
        }
        if let remote = config.remoteSettings {
            ops.repository.remoteAccess = try remote.access(
                environment: environment, envFile: config.envFile, helper: remoteHelper, config: "dispatcher.toml")
        }
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        // Signatures verified by an earlier poll are not verified again.
        let verified = URL(fileURLWithPath: store.root + "/verified")
        verificationCache.load(from: verified)
        defer { verificationCache.save(to: verified) }
        var state = try store.loadState() ?? DispatchState(trustRoot: config.trustRoot)
        if state.trustRoot != config.trustRoot {
            // A re-pinned trust root invalidates everything derived from the old one.
            store.removeIntentRecords()
            state = DispatchState(trustRoot: config.trustRoot)
        }
        let signer: SigningIdentity
        do {
            signer = try SigningIdentity(principal: config.identity, keyPath: config.signingKey)
        } catch {
            let detail = (error as? WritError)?.detail ?? (error as? RuntimeError)?.detail ?? "\(error)"
            throw RuntimeError(
                "cannot load the signing key: \(detail)", fix: "signing_key in dispatcher.toml (\(config.signingKey))")
        }
        var publisher = LedgerPublisher(ops: ops, remote: config.remote, signer: signer)
        // Claims and outcomes are written a pack per commit (docs/dispatch.md).
        let stage = dryRun ? nil : try ObjectStage(over: ops.repository)
        publisher.stage = stage
        let sync = LedgerSync(ops: ops, store: store)

        _ = try Self.remoteErrors { try publisher.refresh() }
        let view = try sync.sync(&state, now: clock())
        if let offChain = view.offChain { Self.say(offChain, to: logger) }
        // Nothing is written, not even a recovered outcome, by a dispatcher
        // whose events would not count.
        try DispatcherEntitlement.check(
            signer: signer, trusted: view.trusted, now: clock(), cache: ops.verificationCache)
        var session = DispatchSession(
            dispatcher: self, store: store, sync: sync, publisher: publisher, signer: signer, lock: lock, state: state,
            runID: runID, view: view)
        if !dryRun { try session.flushOutbox() }
        // A long read of new history is kept at once, so that a crash in
        // what follows does not cost it again. A short one is saved with
        // the rest of the poll, at its end: saving it now too would write
        // each new intent's record twice in one poll (docs/dispatch.md,
        // "Cost per intent"). Either way the state on disk never runs
        // ahead of the records it names.
        if view.touched.count >= PendingIntentRecords.limit { try store.save(session.ledger.state) }

        do {
            for id in session.ledger.state.pending.sorted() {
                // Outcomes of executors that finished meanwhile are
                // published before the next intent is decided and claimed.
                try session.publishFinished()
                try session.act(on: id)
            }
            try session.publishHeld()
            try session.drainRunning()
        } catch {
            // Never leave the poll (and release the lock) while executors
            // run: each one's outcome reaches its journal first, and the
            // next poll publishes it.
            session.abandonRunning()
            throw error
        }
        try session.publishBlocked()
        try session.notifyApprovals()
        // The poll's packs, merged into one (and with older small ones).
        if let stage, stage.packsWritten > 0 { try stage.mergeSmallPacks() }
        // Take in what this poll wrote, so the tips remembered for rewrite
        // detection include the dispatcher's own commits.
        if !dryRun { try session.ledger.resync() }
        // Packs whose commits the local ledger names now need no keep.
        stage?.releaseKept(namedBy: try? ops.repository.resolve(OpsRepo.refName(ops.ledgerRef)))
        try store.save(session.ledger.state)

        // Executors running side by side finish in any order; the report
        // lists intents in id order whatever the order they finished in.
        report.intents =
            config.maxParallel > 1 ? session.recorder.entries.sorted { $0.id < $1.id } : session.recorder.entries
        report.governanceOffChain = session.ledger.offChain
        report.finishedAt = Timestamp(clock())
        try StateFiles.writeJSON(report, to: store.reportPath(runID))
        let cutoff = clock().addingTimeInterval(-TimeInterval(config.reportRetentionSeconds))
        for path in store.pruneReports(before: cutoff, keeping: runID) {
            logger.warning("cannot delete an expired run report", metadata: ["path": "\(path)"])
        }
        return report
    }

    /// What `forgetView` forgot and kept.
    package struct ForgottenView: Sendable {
        /// The profile's directory in the state dir.
        package let stateDirectory: String
        package let governanceTip: ObjectID?
        package let ledgerTip: ObjectID?
        /// Intents the at-most-once journal holds lines for, all kept.
        package let journalledIntents: Int
    }

    /// The recovery from a real rewrite (docs/dispatch.md, "History
    /// rewritten"): forgets the remembered view — the tips processed last,
    /// the ledger cursor and the per-intent records derived from them — so
    /// that the next poll reads both branches again from the trust root.
    /// The at-most-once journal is kept: a claim it holds that the ledger no
    /// longer shows is never run again (`already_executed`).
    ///
    /// `commit` must name (by a prefix of 7 or more hex digits) the
    /// governance or ledger tip the view remembers, the one the
    /// `history_rewritten` message named, so the view is never forgotten
    /// by accident. Takes the profile lock like a poll.
    package func forgetView(naming commit: String) throws -> ForgottenView {
        let lock = try ProfileLock.acquire(
            stateDir: config.stateDir, profile: config.profile, ttlSeconds: config.lockTTLSeconds, now: clock())
        defer { lock.release() }
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        guard let state = try store.loadState() else {
            throw RuntimeError(
                "state_dir \(config.stateDir) holds no remembered view for profile '\(config.profile)'",
                fix: "nothing to forget: the next poll reads the history from the trust root")
        }
        let prefix = commit.lowercased()
        let named = [state.governanceTip, state.ledgerTip].compactMap { $0 }.contains {
            prefix.count >= 7 && $0.hex.hasPrefix(prefix)
        }
        guard named else {
            let tips = [("governance", state.governanceTip), ("ledger", state.ledgerTip)]
                .compactMap { name, tip in tip.map { "\(name) \($0.hex)" } }.joined(separator: ", ")
            throw RuntimeError(
                "\(quoted: commit) is not a tip the view remembers (\(tips))",
                fix: "--forget-view takes the commit the history_rewritten message named (7 or more hex digits)")
        }
        let journal = store.root + "/journal"
        var journalled = 0
        for fanOut in (try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? [] {
            journalled += ((try? FileManager.default.contentsOfDirectory(atPath: journal + "/" + fanOut)) ?? []).count
        }
        store.removeIntentRecords()
        try store.save(DispatchState(trustRoot: config.trustRoot))
        logger.warning(
            "forgot the remembered view; the at-most-once journal is kept",
            metadata: [
                "governance_tip": "\(state.governanceTip?.hex ?? "-")", "ledger_tip": "\(state.ledgerTip?.hex ?? "-")",
                "journalled_intents": "\(journalled)",
            ])
        return ForgottenView(
            stateDirectory: store.root, governanceTip: state.governanceTip, ledgerTip: state.ledgerTip,
            journalledIntents: journalled)
    }

    /// Says once, in the log, that a governance tip this dispatcher
    /// processed fell off the first-parent chain; the run report lists it
    /// too (`governance_off_chain`).
    package static func say(_ offChain: LedgerSync.OffChain, to logger: Logger) {
        let message =
            "governance commit \(offChain.commit.hex), processed before, is no longer on the first-parent chain of "
            + "the governance head \(offChain.head.hex) (a merge such as `git pull` on the governance branch); "
            + "it is still reachable, so dispatch goes on, trust walked again along the new chain from "
            + "\(offChain.junction.hex)"
        logger.warning(
            "\(message)",
            metadata: [
                "commit": "\(offChain.commit.hex)", "head": "\(offChain.head.hex)",
                "junction": "\(offChain.junction.hex)",
            ])
    }

    /// Runs `body`, turning a remote that cannot be used as configured
    /// (unknown name, unsupported URL) into a `RuntimeError` naming the setting.
    static func remoteErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RemoteUsageError {
            let detail: String
            switch error {
            case .unknownRemote(let name): detail = "the ops repo has no remote named \(quoted: name)"
            case .invalidRemoteName(let name): detail = "\(quoted: name) is not a valid remote name"
            case .invalidBranchName(let name): detail = "\(quoted: name) is not a plain branch name"
            case .unsupportedURL(let url):
                detail = "the remote URL \(quoted: url) names no supported transport or local repository"
            case .unusableURL(let url, let problem):
                detail = "the remote URL \(quoted: url) \(problem)"
            }
            throw RuntimeError(detail, fix: "remote (and governance_ref, ledger_ref) in dispatcher.toml")
        }
    }
}
