/// Event authority and the ledger state machine (SPEC §3; docs/decisions.md).
package enum EventAuthority {
    /// The role whose principals may write dispatcher events; the contract
    /// names it literally.
    package static let dispatcherRole = "dispatcher"

    /// Whether a commit signed by `signers` may write `kind` for an intent of
    /// `tier` proposed by `proposer` (both nil when the intent is malformed:
    /// then nobody may resolve or withdraw it).
    package static func isEntitled(
        _ signers: Set<Principal>, toWrite kind: AuditEventKind, tier: Tier?, proposer: Principal? = nil,
        policy: Policy
    ) -> Bool {
        signers.contains { principal in
            switch kind {
            case .autoApproved, .claimed, .succeeded, .failed, .inDoubt, .blocked, .projection:
                policy.principals(inRole: dispatcherRole).contains(principal)
            case .gate:
                policy.isGateAttester(principal)
            case .resolved:
                tier.map { policy.acceptsForTier(principal, $0) } ?? false
            case .withdrawn:
                principal == proposer || (tier.map { policy.acceptsForTier(principal, $0) } ?? false)
            case .breakGlass:
                // SPEC §3 names a `[break_glass]` role; §4.7 has the
                // dispatcher write it just before its claim, in the claim's
                // own commit. Either signer counts (docs/decisions.md).
                policy.principals(inRole: dispatcherRole).contains(principal) || policy.mayBreakGlass(principal)
            }
        }
    }

    /// The outcome of replaying an intent's events.
    package struct Replay {
        /// The settled state, or nil when the intent is open (never claimed,
        /// or re-opened by `resolved(retry)`).
        package var state: IntentState?
        /// The event that last moved the state, for the detail sentence.
        var lastPath: String?
        /// Latest entitled gate result per gate name, for the current digest.
        package var gates: [String: AuditEvent.GateStatus] = [:]
        /// Every event that counts, in sequence order: entitled, and
        /// accepted by the state machine (a claim after an outcome, or a
        /// resolution that does not apply, is discarded). The only events
        /// any reader may act on.
        package var counting: [CountingEvent] = []
        package var discarded: [DiscardedRecord] = []
        /// The `withdrawn` event that settled the intent, when one did.
        package var withdrawal: CountingEvent?
        /// The first counting `break_glass` event for the current digest:
        /// the run it announces, with its reason and review deadline.
        package var breakGlass: CountingEvent?
    }

    /// The events of intent `id` that count, in sequence order (ties by
    /// path): filed at an audit path of `id`, parsing, in a commit signed by
    /// a principal entitled to write their kind (SPEC §3). Everything else
    /// is returned as discarded, with its reason.
    ///
    /// This is the one place that decides which events count; the state
    /// machine (`replay`), the dispatcher's lease, blocked-event, outbox and
    /// final-outcome checks and its claim journal all read its answer.
    /// `proposer` is the intent's, nil when it is malformed (a `withdrawn`
    /// event then counts for nobody).
    package static func counting(
        _ events: [EventEvidence], id: IntentID, tier: Tier?, proposer: Principal? = nil, policy: Policy
    ) -> (counting: [CountingEvent], discarded: [DiscardedRecord]) {
        var discarded: [DiscardedRecord] = []
        func discard(_ evidence: EventEvidence, _ principal: Principal?, _ reason: ReasonCode, _ detail: String) {
            discarded.append(
                DiscardedRecord(
                    kind: .event, path: evidence.path, commit: evidence.commit, principal: principal, reason: reason,
                    detail: detail))
        }

        var ordered: [(sequence: Int, evidence: EventEvidence)] = []
        for evidence in events {
            guard case .auditEvent(let pathID, let sequence, _) = LedgerPath(evidence.path) else {
                discard(evidence, nil, .ledgerViolation, "\(quoted: evidence.path) is not an audit event path")
                continue
            }
            guard pathID == id else {
                discard(
                    evidence, nil, .ledgerViolation,
                    "event is filed for intent \(quoted: pathID.rawValue), not \(quoted: id.rawValue)")
                continue
            }
            ordered.append((sequence, evidence))
        }
        // By number, never by name: `10000-` sorts before `9999-` as text.
        ordered.sort { ($0.sequence, $0.evidence.path) < ($1.sequence, $1.evidence.path) }

        var counting: [CountingEvent] = []
        for (sequence, evidence) in ordered {
            let event: AuditEvent
            do {
                event = try AuditEvent.parse(evidence.bytes, expectedPath: evidence.path)
            } catch let error as WritError {
                discard(evidence, nil, .ledgerViolation, error.detail)
                continue
            } catch {
                discard(evidence, nil, .ledgerViolation, "audit event does not parse")
                continue
            }
            guard
                evidence.counts
                    ?? isEntitled(evidence.signers, toWrite: event.kind, tier: tier, proposer: proposer, policy: policy)
            else {
                let who =
                    evidence.signers.isEmpty
                    ? "an unsigned or unverified commit"
                    : "commit signed by " + evidence.signers.map(\.rawValue).sorted().joined(separator: ", ")
                discard(
                    evidence, event.actor, .ledgerViolation,
                    "\(event.kind) event in \(who), which is not entitled to write it")
                continue
            }
            // A withdrawal names who took the intent back, and every view
            // repeats that name: it must be the commit's own signer, never a
            // name an entitled signer put in someone else's mouth.
            if event.kind == .withdrawn, !evidence.signers.contains(event.actor) {
                let who = evidence.signers.map(\.rawValue).sorted().joined(separator: ", ")
                discard(
                    evidence, event.actor, .ledgerViolation,
                    "withdrawn event names actor \(quoted: event.actor.rawValue), but its commit is signed by "
                        + (who.isEmpty ? "nobody trusted" : who))
                continue
            }
            counting.append(
                CountingEvent(path: evidence.path, sequence: sequence, commit: evidence.commit, event: event))
        }
        return (counting, discarded)
    }

    /// Replays `events` for intent `id`, in sequence order (ties by path).
    package static func replay(
        _ events: [EventEvidence], id: IntentID, intentDigest: ContentDigest, tier: Tier?, proposer: Principal? = nil,
        policy: Policy
    ) -> Replay {
        var replay = Replay()
        var accepted = true
        func discard(_ evidence: CountingEvent, _ principal: Principal?, _ reason: ReasonCode, _ detail: String) {
            accepted = false
            replay.discarded.append(
                DiscardedRecord(
                    kind: .event, path: evidence.path, commit: evidence.commit, principal: principal, reason: reason,
                    detail: detail))
        }
        let sorted = counting(events, id: id, tier: tier, proposer: proposer, policy: policy)
        replay.discarded = sorted.discarded

        for evidence in sorted.counting {
            let event = evidence.event
            accepted = true
            defer { if accepted { replay.counting.append(evidence) } }
            switch event.payload {
            case .autoApproved, .blocked, .projection:
                continue
            case .breakGlass:
                guard event.intentDigest == intentDigest else {
                    discard(
                        evidence, event.actor, .digestMismatch,
                        "break_glass names \(event.intentDigest), the intent is \(intentDigest)")
                    continue
                }
                if replay.breakGlass == nil { replay.breakGlass = evidence }
            case .gate(let name, let status):
                guard event.intentDigest == intentDigest else {
                    discard(
                        evidence, event.actor, .digestMismatch,
                        "gate \(quoted: name) attests \(event.intentDigest), the intent is now \(intentDigest)")
                    continue
                }
                replay.gates[name] = status
            case .withdrawn:
                // By ledger order, exactly one of a claim and a withdrawal
                // counts: a withdrawal only takes back an open intent.
                guard replay.state == nil else {
                    discard(
                        evidence, event.actor, .ledgerViolation,
                        "withdrawn after the intent was already \(replay.state?.rawValue ?? ""): only an intent not "
                            + "yet claimed (or re-opened by resolved(retry)) can be withdrawn")
                    continue
                }
                guard event.intentDigest == intentDigest else {
                    discard(
                        evidence, event.actor, .digestMismatch,
                        "withdrawn names \(event.intentDigest), the intent is \(intentDigest)")
                    continue
                }
                replay.state = .withdrawn
                replay.lastPath = evidence.path
                replay.withdrawal = evidence
            case .claimed:
                if let refusal = refuseAfterOutcome(replay.state) {
                    discard(evidence, event.actor, .ledgerViolation, "claimed \(refusal)")
                    continue
                }
                replay.state = .claimed
                replay.lastPath = evidence.path
            case .succeeded, .failed, .inDoubt:
                if let refusal = refuseAfterOutcome(replay.state) {
                    discard(evidence, event.actor, .ledgerViolation, "\(event.kind) \(refusal)")
                    continue
                }
                replay.state = event.kind == .succeeded ? .succeeded : event.kind == .failed ? .failed : .inDoubt
                replay.lastPath = evidence.path
            case .resolved(let resolution, _):
                guard event.intentDigest == intentDigest else {
                    discard(
                        evidence, event.actor, .digestMismatch,
                        "resolution names \(event.intentDigest), the intent is now \(intentDigest)")
                    continue
                }
                switch (replay.state, resolution) {
                case (.inDoubt, .retry):
                    replay.state = nil
                    replay.lastPath = evidence.path
                case (.inDoubt, .succeeded), (.claimed, .succeeded):
                    replay.state = .succeeded
                    replay.lastPath = evidence.path
                case (.inDoubt, .failed), (.claimed, .failed):
                    replay.state = .failed
                    replay.lastPath = evidence.path
                default:
                    let current = replay.state?.rawValue ?? "open"
                    discard(
                        evidence, event.actor, .ledgerViolation,
                        "resolved(\(resolution.rawValue)) does not apply to an intent that is \(current)")
                }
            }
        }
        return replay
    }

    /// Why a dispatcher event cannot follow `state`, or nil when it can:
    /// succeeded and failed are final, and a withdrawn intent never runs.
    private static func refuseAfterOutcome(_ state: IntentState?) -> String? {
        switch state {
        case .succeeded, .failed: "after the intent already \(state?.rawValue ?? "")"
        case .withdrawn: "after the intent was withdrawn: a withdrawn intent never runs"
        default: nil
        }
    }
}
