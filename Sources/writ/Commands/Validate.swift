import ArgumentParser
import Foundation
import WritCore

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check a record file (policy, intent, approval, governance record or request, audit event) or lint an allowed_signers file.",
        discussion: """
            The kind is told from the file's path (its layout shape) or, outside the layout, from its contents. \
            With --signers, FILE.sig must also verify for the record's principal under the record kind's \
            namespace (writ-intent, writ-approval, writ-governance). For a governance record, FILE.next.sig \
            (the record signed with the principal's new key when the change rotates it) is checked too when it \
            exists, and the output says whether it verifies; FILE.sig alone decides the exit status. A rejected \
            record prints its reason code and exits 1; a record with no FILE.sig is unsigned, a rejection. A \
            file that is missing or cannot be read (FILE, --signers) is a runtime error, exit 3, and so is a \
            FILE.sig or FILE.next.sig that is there and cannot be read.

            A file named allowed_signers (or --kind allowed_signers) is linted: every line that does not parse \
            (unknown option, bad validity window, cert-authority, ...) with its line number, the same key \
            listed twice for one principal, a key listed for several principals (warning) and a valid-before \
            already past. Any finding exits 1; a clean file exits 0.

            A policy's refusal names the field and, where it can be found, its line (FILE:LINE: ...). A valid \
            policy that uses require groups, wait, [[freeze]] or [break_glass] prints one line for each \
            (docs/policy.md).
            """)

    @Argument(help: "The record file.")
    var file: String

    @Option(help: "An allowed_signers file: also verify FILE.sig.")
    var signers: String?

    @Option(
        help:
            "Treat the file as this kind: policy, intent, approval, governance, governance_request, request, audit_event, allowed_signers."
    )
    var kind: String?

    @Flag(
        help:
            "Print JSON: {\"file\", \"kind\", \"valid\", \"reason\", \"detail\", \"signer\", \"next_signature\"}; next_signature is null, \"verified\" or the reason code FILE.next.sig fails with; a valid policy adds \"governance_version\" and \"policy_summary\" (its require groups, waits, freeze windows and break-glass, one line each)."
    )
    var json = false

    func run() throws {
        if kind == AllowedSignersReport.kind || (kind == nil && RecordValidator.isAllowedSigners(path: file)) {
            guard signers == nil else { throw ValidationError("--signers does not apply to an allowed_signers file") }
            let report = try AllowedSignersReport.lint(file)
            try report.emit(json: json)
            if !report.findings.isEmpty { throw ExitCode(ExitStatus.findings) }
            return
        }
        var forcedKind: RecordKind?
        if let kind {
            guard let parsed = RecordKind(rawValue: kind) else {
                throw ValidationError(
                    "--kind must be one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            forcedKind = parsed
        }
        var report = Report(
            file: file, kind: forcedKind?.rawValue, valid: false, reason: nil, detail: nil, signer: nil,
            nextSignature: nil)
        do {
            let bytes = try FileInput.readRequired(file)
            let record = try RecordValidator.validate(path: file, bytes: bytes, as: forcedKind)
            report.kind = record.kind.rawValue
            if case .policy(let policy) = record {
                report.governanceVersion = policy.governanceVersion
                report.policySummary = PolicySummary.schedule(of: policy)
            }
            if let signers {
                let (principal, namespace) = try signatureSubject(of: record)
                let allowed = try AllowedSignersFile.load(signers)
                // FILE.next.sig first, so that its result is reported even when FILE.sig fails.
                if case .governance = record {
                    report.nextSignature = try verifyNextSignature(bytes: bytes, principal: principal, allowed: allowed)
                }
                try verifySignature(bytes: bytes, principal: principal, namespace: namespace, allowed: allowed)
                report.signer = principal.rawValue
            }
            report.valid = true
        } catch let error as WritError {
            report.reason = error.reason.rawValue
            report.detail = error.detail
        }
        try emit(report)
        if !report.valid { throw ExitCode(ExitStatus.findings) }
    }

    /// Who must have signed the record, and under which namespace.
    private func signatureSubject(of record: ValidatedRecord) throws -> (Principal, String) {
        switch record {
        case .intent(let intent): (intent.proposer, SignatureNamespace.intent)
        case .approval(let approval): (approval.approver, SignatureNamespace.approval)
        case .governance(let governance): (governance.approver, SignatureNamespace.governance)
        case .policy, .request, .governanceRequest, .auditEvent, .joinRequest:
            throw ValidationError("--signers applies to intents, approval records and governance records only")
        }
    }

    /// Verifies `FILE.sig` for the principal the record names, under its
    /// kind's namespace. No `FILE.sig` is a verdict (the record is unsigned,
    /// as the ledger would judge it); one that is there and cannot be read
    /// a runtime error.
    private func verifySignature(bytes: Data, principal: Principal, namespace: String, allowed: AllowedSigners) throws {
        let path = file + ".sig"
        guard let signature = try FileInput.readIfPresent(path) else {
            throw WritError(
                namespace == SignatureNamespace.intent ? .intentSignatureInvalid : .approvalSignatureInvalid,
                "no signature: \(path) does not exist")
        }
        _ = try SignatureVerifier.verifyOrWritError(
            armored: signature, message: bytes, principal: principal.rawValue, namespace: namespace,
            allowedSigners: allowed, at: Date())
    }

    /// Checks `FILE.next.sig` of a governance record, when there is one:
    /// nil when absent, else "verified" or the reason code it fails with.
    /// It never decides the exit status; a quorum accepts whichever of the
    /// two signatures verifies under its own allowed_signers (SPEC §5).
    private func verifyNextSignature(bytes: Data, principal: Principal, allowed: AllowedSigners) throws -> String? {
        guard let signature = try FileInput.readIfPresent(file + ".next.sig") else { return nil }
        do {
            _ = try SignatureVerifier.verifyOrWritError(
                armored: signature, message: bytes, principal: principal.rawValue,
                namespace: SignatureNamespace.governance, allowedSigners: allowed, at: Date())
            return "verified"
        } catch {
            return error.reason.rawValue
        }
    }

    private struct Report: Encodable {
        let file: String
        var kind: String?
        var valid: Bool
        var reason: String?
        var detail: String?
        var signer: String?
        var nextSignature: String?
        /// A policy's `[governance] version`; only policies carry the key.
        var governanceVersion: Int?
        /// A valid policy's require groups, waits, freezes and break-glass, a line each.
        var policySummary: [String]?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(kind, forKey: .kind)
            try container.encode(valid, forKey: .valid)
            try container.encode(reason, forKey: .reason)
            try container.encode(detail, forKey: .detail)
            try container.encode(signer, forKey: .signer)
            try container.encode(nextSignature, forKey: .nextSignature)
            try container.encodeIfPresent(governanceVersion, forKey: .governanceVersion)
            try container.encodeIfPresent(policySummary, forKey: .policySummary)
        }
        enum CodingKeys: String, CodingKey {
            case file, kind, valid, reason, detail, signer
            case nextSignature = "next_signature"
            case governanceVersion = "governance_version"
            case policySummary = "policy_summary"
        }
    }

    private func emit(_ report: Report) throws {
        if json {
            try Output.printJSON(report)
        } else if report.valid {
            print(
                "ok: \(file) is a valid \(report.kind ?? "record")" + (report.signer.map { ", signed by \($0)" } ?? "")
                    + (report.governanceVersion.map { ", [governance] version \($0)" } ?? "")
                    + nextSignatureNote(report))
            // A freeze name is policy text: escaped like every record's text.
            for line in report.policySummary ?? [] { print("  \(TerminalText.escape(line))") }
        } else {
            print("\(report.reason ?? "invalid"): \(report.detail ?? file)" + nextSignatureNote(report))
        }
    }

    /// What the text output says about `FILE.next.sig`, when it was checked.
    private func nextSignatureNote(_ report: Report) -> String {
        switch report.nextSignature {
        case nil: ""
        case "verified": "; \(file).next.sig verifies"
        case let reason?: "; \(file).next.sig does not verify (\(reason))"
        }
    }
}

/// `writ validate` of an `allowed_signers` file: the lint's findings.
private struct AllowedSignersReport: Encodable {
    static let kind = "allowed_signers"

    struct Finding: Encodable {
        let line: Int, severity: String, code: String, message: String
    }

    let file: String
    let kind = Self.kind
    let valid: Bool
    let findings: [Finding]

    static func lint(_ file: String) throws -> AllowedSignersReport {
        let bytes = try FileInput.readRequired(file, limit: AllowedSignersFile.limit)
        guard bytes.count <= AllowedSignersFile.limit else {
            throw WritError(.policyMalformed, "\(file): larger than 16 MiB")
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            return AllowedSignersReport(
                file: file, valid: false,
                findings: [Finding(line: 1, severity: "error", code: "malformed", message: "not valid UTF-8")])
        }
        let findings = AllowedSignersLint.lint(text, now: Date()).map {
            Finding(line: $0.line, severity: $0.severity.rawValue, code: $0.code.rawValue, message: $0.message)
        }
        return AllowedSignersReport(file: file, valid: findings.isEmpty, findings: findings)
    }

    func emit(json: Bool) throws {
        if json {
            try Output.printJSON(self)
        } else if findings.isEmpty {
            print("ok: \(file) is a clean allowed_signers file")
        } else {
            for finding in findings {
                print("\(file):\(finding.line): \(finding.severity): \(finding.code): \(finding.message)")
            }
        }
    }
}
