import Foundation
import WritCore
import WritGit

/// Built-in remote writes (SPEC §7): the transport gates, the `record`
/// mode's projection, and the live write's claim, projection and outcome
/// on the ledger around `ForgeWriteRunner`.
extension DispatchSession {
    /// The reasons of §4 that a remote write's transport gates are checked
    /// before: the intent's gates and approvals.
    static let approvalStageReasons: Set<ReasonCode> = [
        .gateMissing, .notApproved, .denied, .approvalExpired, .tierMismatch, .digestMismatch, .signerNotAuthorized,
        .selfApproval, .signerUnknown, .approvalSignatureInvalid, .approvalMalformed,
    ]

    /// The first transport gate a blocked built-in intent fails, when its
    /// own reason is one the gates come before; nil otherwise.
    func transportRefusal(verdict: Verdict, executor: ExecutorConfig?) -> WritError? {
        guard let operation = executor?.builtin, let intent = verdict.intent,
            Self.approvalStageReasons.contains(verdict.reason ?? .notApproved)
        else { return nil }
        do {
            _ = try gatedRequest(operation, intent)
            return nil
        } catch {
            return error
        }
    }

    /// The intent's write, its params validated and the transport gates
    /// passed (`TransportGate`), or the first refusal.
    func gatedRequest(_ operation: ForgeOperation, _ intent: Intent) throws(WritError) -> ForgeRequest {
        let request = try ForgeRequest(operation: operation, intent: intent)
        try TransportGate.check(request, transport: config.transport, cloneRoot: config.cloneRoot)
        return request
    }

    /// A ready intent of a built-in executor: its params and the transport
    /// gates, then what the mode allows. In `record` mode the `projection`
    /// event is the whole effect: published once per intent digest and
    /// idempotency key, nothing claimed and nothing sent, so the intent
    /// stays ready for when live writes are turned on.
    mutating func runBuiltin(
        _ id: IntentID, operation: ForgeOperation, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int
    ) throws {
        let request: ForgeRequest
        do {
            request = try gatedRequest(operation, intent)
        } catch {
            noteBlocked(id, verdict: verdict, reason: error.reason, detail: error.detail)
            return
        }
        if dispatcher.dryRun {
            recorder.record(.init(id: id, tier: tier, result: .ready, reason: nil, durationMs: nil))
            return
        }
        switch config.transport.mode {
        case .off:
            // Refused by the gate above.
            return
        case .live:
            try sendBuiltin(
                id, request: request, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
        case .record:
            let recorded = verdict.events.contains { counting in
                guard case .projection(_, _, let key) = counting.event.payload else { return false }
                return key == request.key && counting.event.intentDigest == verdict.intentDigest
            }
            if !recorded {
                let event = try AuditEvent(
                    intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                    payload: .projection(
                        operation: operation.rawValue, target: request.projectionTarget, key: request.key))
                try ledger.publish(
                    [event], message: "writ: projection \(id) (\(runID), record mode: nothing sent)\n",
                    after: [id: verdict.events.last?.sequence ?? 0], extendingOwnTip: false)
            }
            recorder.record(.init(id: id, tier: tier, result: .recorded, reason: nil, durationMs: nil))
        }
    }

    /// Live: claim (durable), push the `projection` event, then make the
    /// write (`ForgeWriteRunner`), and record its outcome with the remote id
    /// and URL, or its one reason code: journalled, then published. A
    /// failure is retried on a later poll through the adopt flow; each
    /// attempt is on the ledger.
    private mutating func sendBuiltin(
        _ id: IntentID, request: ForgeRequest, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int
    ) throws {
        guard let token = forgeToken.value() else {
            noteBlocked(
                id, verdict: verdict, reason: .registryAuthMissing,
                detail: "the forge token (\(config.transport.tokenSecret ?? "token_secret unset")) is not set in the "
                    + "environment or env_file")
            return
        }
        guard let claimed = try claim(id, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
        else { return }
        let started = ContinuousClock.now
        let projection = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: .projection(
                operation: request.operation.rawValue, target: request.projectionTarget, key: request.key))
        try ledger.publish(
            [projection], message: "writ: projection \(id) (\(runID))\n", after: [id: claimed.sequence],
            extendingOwnTip: false)
        let runner = ForgeWriteRunner(
            transport: config.transport, cloneRoot: config.cloneRoot, remoteHelper: dispatcher.remoteHelper,
            environment: dispatcher.environment)
        let attempt = runner.run(
            request, intent: id, token: token,
            timeout: .seconds(config.executors[intent.kind]?.timeoutSeconds ?? 120), started: started)
        let event = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: attempt.payload)
        try store.journalAppend(
            id, .init(kind: .outcome, runID: runID, commit: claimed.commit, event: Data(event.canonicalJSON())))
        try ledger.publish(
            [event], message: "writ: \(event.kind.rawValue) \(id) (\(runID))\n", after: [id: claimed.sequence],
            extendingOwnTip: false)
        try ledger.lock.renew(now: now)
        recorder.record(
            .init(
                id: id, tier: tier, result: attempt.reason == nil ? .succeeded : .failed, reason: attempt.reason,
                durationMs: attempt.durationMs))
    }
}
