import Foundation

/// Events a person (or CI) appends to the ledger by hand: `writ resolve`
/// settles a claim left in doubt, `writ gate` attests a gate result.
///
/// Each is bound to the digest of the intent's bytes as they are now, signed
/// in a ledger commit by the acting principal; whether it counts is decided
/// by the readers (SPEC §3 event authority), never by the writer.
public struct OperatorEvents {
    let ops: OpsRepo

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    /// Appends `resolved` for `id`.
    @discardableResult
    public func resolve(
        _ id: IntentID, resolution: AuditEvent.Resolution, note: String, as signer: SigningIdentity, now: Date
    ) throws -> ObjectID {
        try append(id, as: signer, now: now, verb: "resolve") { digest in
            try AuditEvent(
                intent: id, intentDigest: digest, at: Timestamp(now), actor: signer.principal,
                payload: .resolved(resolution: resolution, note: note))
        }
    }

    /// Appends `gate` for `id`.
    @discardableResult
    public func gate(
        _ id: IntentID, name: String, status: AuditEvent.GateStatus, as signer: SigningIdentity, now: Date
    ) throws -> ObjectID {
        try append(id, as: signer, now: now, verb: "gate \(name) \(status.rawValue)") { digest in
            try AuditEvent(
                intent: id, intentDigest: digest, at: Timestamp(now), actor: signer.principal,
                payload: .gate(name: name, status: status))
        }
    }

    private func append(
        _ id: IntentID, as signer: SigningIdentity, now: Date, verb: String, make: (ContentDigest) throws -> AuditEvent
    ) throws -> ObjectID {
        let head = try ops.ledgerHead()
        guard let bytes = try ops.blob(LedgerPath.intent(id).path, in: head) else {
            throw WritError(.intentMalformed, "no intent \(id) on the ledger branch \(ops.ledgerRef)")
        }
        _ = try Intent.parse(bytes, expectedPath: LedgerPath.intent(id).path)
        let event = try make(Intent.digest(ofFileBytes: bytes))
        // The anchor: the governance head this command read.
        let governanceHead = try ops.governanceHead()
        let publisher = LedgerPublisher(ops: ops, remote: nil, signer: signer)
        guard
            let commit = try publisher.publish(
                [event], message: "writ: \(verb) \(id) as \(signer.principal)\n", anchoredAt: governanceHead, now: now)
        else {
            throw RuntimeError.contention("could not append to the ledger", branch: ops.ledgerRef)
        }
        return commit
    }
}
