import ArgumentParser
import Foundation
import WritOps
import WritTestSupport

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A tour of writ in a throwaway ops repo: propose, approve, and what stays blocked.")

    @Option(help: "Where to build the demo (default: a new temporary directory). Must not exist yet.")
    var dir: String?

    func run() throws {
        let directory: URL
        if let dir {
            guard !FileManager.default.fileExists(atPath: dir) else {
                throw ValidationError("--dir \(dir) already exists; the demo builds a fresh ops repo")
            }
            directory = URL(fileURLWithPath: dir)
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "writ-demo-\(UUID().uuidString.prefix(8))")
        }
        let outcome = try DemoTour(directory: directory).run { print($0) }
        print("\n4. The status every dispatcher computes (writ status):\n")
        try StatusTable.print(outcome.status)
        let repo = outcome.sandbox.ops.repository.gitDirectory
        let dispatch = DemoDispatch(sandbox: outcome.sandbox)
        let configPath = try dispatch.writeConfig()
        let operatorConfig = try dispatch.writeOperatorConfig()
        print("\n5. A dispatcher polls (writ dispatch --config \(configPath) --once). Its executors only echo.\n")
        let report = try dispatch.poll(configPath: configPath)
        for entry in report.intents {
            let reason = entry.reason.map { " (\($0.rawValue))" } ?? ""
            print("   \(entry.id): \(entry.result.rawValue)\(reason)")
        }
        let after = try StatusEvaluator(ops: outcome.sandbox.ops).evaluate(
            trustRoot: outcome.sandbox.trustRoot, now: Date())
        let ran = after.intents.filter { $0.state == .succeeded }.map(\.id.rawValue)
        print("   Ran exactly once each: \(ran.joined(separator: ", ")). A second poll does nothing:")
        let second = try dispatch.poll(configPath: configPath)
        print("   \(second.intents.isEmpty ? "nothing to do" : "\(second.intents.count) intent(s) acted on")")

        print("\n6. writ log: every event, newest first, with the verified signer of its commit.\n")
        let audit = try LedgerAudit(ops: outcome.sandbox.ops, trustRoot: outcome.sandbox.trustRoot, now: Date())
        let blockedCount = audit.events.filter { $0.kind == .blocked }.count
        print("   (\(blockedCount) blocked events, one per blocked intent, left out here)")
        for event in audit.newestFirst.filter({ $0.kind != .blocked }).prefix(7) {
            let signers =
                event.signers.isEmpty ? event.signature.rawValue : event.signers.map(\.rawValue).joined(separator: ",")
            print(
                "   \(event.commit.hex.prefix(12))  \(signers)  \(event.counts ? "counts" : "ignored")  \(event.summary)"
            )
        }
        let verified = try LedgerVerifier(ops: outcome.sandbox.ops).verify(
            trustRoot: outcome.sandbox.trustRoot, now: Date())
        print("   writ verify: \(verified.summaryLine)")

        print("\n7. The trail is plain git: every claim and outcome is a commit signed by the dispatcher.\n")
        for line in try dispatch.signedHistory() { print("   " + line) }
        print(
            """

            Try it yourself:
               git -c gpg.ssh.allowedSignersFile=\(directory.path)/allowed_signers --git-dir=\(repo) log --show-signature writ/ledger
               git --git-dir=\(repo) log --oneline --graph main
               writ status --config \(configPath)
               writ status --repo \(repo)          (trust_root from the operator config \(operatorConfig))
               writ show release-app-3-0-0 --config \(configPath)
               writ log --config \(configPath)
               writ verify --config \(configPath)
            """)
        guard Set(ran) == ["triage-issue-42", "dev-bump-deps-7", "release-app-2-0-0"], second.intents.isEmpty,
            verified.isClean
        else {
            Output.printError("demo: the dispatcher did not run exactly the approved intents once")
            throw ExitCode(ExitStatus.runtime)
        }
        // The tour is also a self-check: a verdict other than the expected
        // one is a defect, and the demo says so rather than passing quietly.
        let mismatches = outcome.status.intents.filter { intent in
            guard let expected = outcome.expected[intent.id.rawValue] else { return true }
            return intent.reason != expected
        }
        if !mismatches.isEmpty {
            Output.printError("demo: unexpected verdicts for \(mismatches.map(\.id.rawValue).joined(separator: ", "))")
            throw ExitCode(ExitStatus.runtime)
        }
    }
}
