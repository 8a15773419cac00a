import ArgumentParser
import Foundation
import WritKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a record file: policy, intent, approval, governance record, request or audit event.",
        discussion: """
            The kind is told from the file's path (its layout shape) or, outside the layout, from its contents. \
            With --signers, FILE.sig must also verify for the record's principal under the record kind's \
            namespace (writ-intent, writ-approval, writ-governance). A rejected record prints its reason code \
            and exits 1.
            """)

    @Argument(help: "The record file.")
    var file: String

    @Option(help: "An allowed_signers file: also verify FILE.sig.")
    var signers: String?

    @Option(help: "Treat the file as this kind: policy, intent, approval, governance, request, audit_event.")
    var kind: String?

    @Flag(help: "Print JSON: {\"file\", \"kind\", \"valid\", \"reason\", \"detail\", \"signer\"}.")
    var json = false

    func run() throws {
        var forcedKind: RecordKind?
        if let kind {
            guard let parsed = RecordKind(rawValue: kind) else {
                throw ValidationError("--kind must be one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            forcedKind = parsed
        }
        var report = Report(file: file, kind: forcedKind?.rawValue, valid: false, reason: nil, detail: nil, signer: nil)
        do {
            let reason = forcedKind?.malformedReason ?? .intentMalformed
            let bytes = try FileInput.read(file, as: reason)
            let record = try RecordValidator.validate(path: file, bytes: bytes, as: forcedKind)
            report.kind = record.kind.rawValue
            if let signers {
                report.signer = try verifySignature(of: record, bytes: bytes, signersPath: signers)
            }
            report.valid = true
        } catch let error as WritError {
            report.reason = error.reason.rawValue
            report.detail = error.detail
        }
        try emit(report)
        if !report.valid { throw ExitCode(ExitStatus.findings) }
    }

    /// Verifies `FILE.sig` for the principal the record names, under its kind's namespace.
    private func verifySignature(of record: ValidatedRecord, bytes: Data, signersPath: String) throws -> String {
        let (principal, namespace): (Principal, String)
        switch record {
        case .intent(let intent): (principal, namespace) = (intent.proposer, SignatureNamespace.intent)
        case .approval(let approval): (principal, namespace) = (approval.approver, SignatureNamespace.approval)
        case .governance(let governance): (principal, namespace) = (governance.approver, SignatureNamespace.governance)
        case .policy, .request, .auditEvent:
            throw ValidationError("--signers applies to intents, approval records and governance records only")
        }
        let allowed = try AllowedSignersFile.load(signersPath)
        let signature = try FileInput.read(file + ".sig", as: namespace == SignatureNamespace.intent ? .intentSignatureInvalid : .approvalSignatureInvalid)
        _ = try SignatureVerifier.verifyOrWritError(
            armored: signature, message: bytes, principal: principal.rawValue, namespace: namespace,
            allowedSigners: allowed, at: Date())
        return principal.rawValue
    }

    private struct Report: Encodable {
        let file: String
        var kind: String?
        var valid: Bool
        var reason: String?
        var detail: String?
        var signer: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(kind, forKey: .kind)
            try container.encode(valid, forKey: .valid)
            try container.encode(reason, forKey: .reason)
            try container.encode(detail, forKey: .detail)
            try container.encode(signer, forKey: .signer)
        }
        enum CodingKeys: String, CodingKey { case file, kind, valid, reason, detail, signer }
    }

    private func emit(_ report: Report) throws {
        if json {
            try Output.printJSON(report)
        } else if report.valid {
            print("ok: \(file) is a valid \(report.kind ?? "record")" + (report.signer.map { ", signed by \($0)" } ?? ""))
        } else {
            print("\(report.reason ?? "invalid"): \(report.detail ?? file)")
        }
    }
}
