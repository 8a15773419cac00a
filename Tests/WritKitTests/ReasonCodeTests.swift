import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct ReasonCodeTests {
    @Test func vocabularyIsSnakeCaseAndDescribed() {
        for code in ReasonCode.allCases {
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0 == "_" })
            #expect(!code.summary.isEmpty)
        }
        #expect(Set(ReasonCode.allCases.map(\.rawValue)).count == ReasonCode.allCases.count)
    }

    /// The docs page and the enum are the same list, in the same order, so
    /// neither can drift from the contract without the other.
    @Test func docsListExactlyTheVocabulary() throws {
        let docs = RepoRoot.url.appendingPathComponent("docs/reasons.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let table = text.split(separator: "\n").prefix { !$0.hasPrefix("## ") }
        let documented = table.compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).prefix { $0 != "`" }.description
        }
        #expect(documented == ReasonCode.allCases.map(\.rawValue))
    }

    @Test func contractNamesAreAllPresent() {
        // Every code SPEC.md names; a missing one would be an improvised vocabulary.
        let spec: Set<String> = [
            "intent_malformed", "intent_expired", "intent_signature_invalid", "proposer_not_authorized",
            "denied", "approval_signature_invalid", "signer_unknown", "signer_not_authorized",
            "self_approval", "digest_mismatch", "tier_mismatch", "approval_expired", "not_approved",
            "gate_missing", "executor_missing", "env_mismatch", "registry_auth_missing", "clone_missing",
            "policy_unapproved", "history_rewritten", "ledger_violation", "lock_contended",
            "transport_disabled", "repo_not_allowlisted", "remote_mismatch", "forbidden_operation",
            "auth_insufficient", "rate_limited", "timeout", "remote_error", "policy_malformed",
            "approval_malformed", "trust_root_missing", "already_executed",
            // SPEC §9: these join the vocabulary.
            "actor_blocked", "actor_unknown", "path_admin_only", "record_not_own",
            // SPEC §4.8: limits and withdrawal.
            "quota_exceeded", "withdrawn",
            // SPEC §4.6–4.7: freezes, waiting periods, break-glass review.
            "frozen", "waiting_period", "review_overdue",
        ]
        #expect(Set(ReasonCode.allCases.map(\.rawValue)) == spec)
    }
}

/// The package root, found from this file's location, for tests that read
/// docs and examples committed in the repository.
enum RepoRoot {
    static let url: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()
}
