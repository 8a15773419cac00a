import Foundation

/// The records a pull request adds, each verified by its signature under the
/// base's signers: approval and denial records, `request.toml`.
extension PullRequestCheck {
    /// An approval record and its `.sig` in the head, judged by its
    /// signature: it parses, names the path's principal as `approver`
    /// (else `record_not_own`), and verifies for that principal under
    /// `writ-approval` with the base's signers. A signature that fails for
    /// the path's principal but verifies for another trusted principal is a
    /// record signed in another's name (`record_not_own`); any other
    /// failure keeps its own record code.
    static func verifyRecord(
        _ path: String, owner: String, governance: GovernanceState, now: Date, file: (String) throws -> HeadFile,
        deny: (ReasonCode, String, String, Bool) -> Void
    ) rethrows {
        let bytes: Data
        switch try file(path) {
        case .absent:
            deny(.approvalMalformed, path, "a signature without its record", true)
            return
        case .notAFile(let kind):
            deny(
                .pathAdminOnly, path, "\(describe(kind)) stands where the record belongs; only a regular file counts",
                true)
            return
        case .file(let data):
            bytes = data
        }
        guard let record = parsed(path, deny: deny, { try ApprovalRecord.parse(bytes) }) else { return }
        guard record.approver.rawValue == owner else {
            deny(
                .recordNotOwn, path,
                "the record names \(record.approver) as approver but is filed under \(owner): filed in another's name",
                true)
            return
        }
        // The path's intent and the rest of the layout.
        guard parsed(path, deny: deny, { try ApprovalRecord.parse(bytes, expectedPath: path) }) != nil else { return }
        let signature: Data
        switch try file(path + ".sig") {
        case .absent:
            deny(.approvalSignatureInvalid, path, "the record has no .sig", true)
            return
        case .notAFile(let kind):
            deny(
                .pathAdminOnly, path + ".sig",
                "\(describe(kind)) stands where the signature belongs; only a regular file counts", true)
            return
        case .file(let data):
            signature = data
        }
        do {
            _ = try SignatureVerifier.verifyOrWritError(
                armored: signature, message: bytes, principal: owner, namespace: ApprovalRecord.signatureNamespace,
                allowedSigners: governance.signers, at: now)
        } catch {
            let others =
                (try? SignatureVerifier.signers(
                    armored: signature, message: bytes, namespace: ApprovalRecord.signatureNamespace,
                    allowedSigners: governance.signers, at: now))?.principals.filter { $0 != owner } ?? []
            if !others.isEmpty {
                deny(
                    .recordNotOwn, path + ".sig",
                    "the record filed under \(owner) is signed by \(others.joined(separator: ", ")): signed in another's name",
                    true)
            } else {
                deny(
                    error.reason, path + ".sig",
                    "the signature is not \(owner)'s under writ-approval: \(error.detail)", true)
            }
        }
    }

    /// What `parse` reads, or nil after one `approval_malformed` finding
    /// (closing recommended: an unparseable record is a deterministic denial).
    package static func parsed<Record>(
        _ path: String, deny: (ReasonCode, String, String, Bool) -> Void, _ parse: () throws -> Record
    ) -> Record? {
        do {
            return try parse()
        } catch {
            deny(.approvalMalformed, path, (error as? WritError)?.detail ?? "\(error)", true)
            return nil
        }
    }

    /// A `request.toml` in the head: it parses for its path and, when the
    /// ledger is readable, names an intent the ledger holds with the same
    /// digest, so a reviewer is never shown one text while another runs.
    static func verifyRequest(
        _ path: String, file: (String) throws -> HeadFile,
        ledgerIntent: (IntentID) throws -> LedgerIntent, deny: (ReasonCode, String, String, Bool) -> Void
    ) rethrows {
        guard case .file(let bytes) = try file(path) else { return }
        guard let request = parsed(path, deny: deny, { try ApprovalRequest.parse(bytes, expectedPath: path) }) else {
            return
        }
        switch try ledgerIntent(request.intent) {
        case .unreadable:
            return
        case .absent:
            // Not a deterministic denial: the ledger read may be older
            // than the approval branch.
            deny(
                .approvalMalformed, path,
                "the request names intent \(request.intent.rawValue), which the ledger does not hold", false)
        case .present(let digest) where digest != request.intentDigest:
            deny(
                .digestMismatch, path,
                "the request's intent_digest \(request.intentDigest) is not the digest of the intent on the ledger (\(digest))",
                false)
        case .present:
            return
        }
    }
}
