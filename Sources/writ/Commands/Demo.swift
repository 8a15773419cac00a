import ArgumentParser
import Foundation
import WritKit

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
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("writ-demo-\(UUID().uuidString.prefix(8))")
        }
        let outcome = try DemoTour(directory: directory).run { print($0) }
        print("\n4. The status every dispatcher computes (writ status):\n")
        StatusTable.print(outcome.status)
        let repo = outcome.sandbox.ops.repository.gitDirectory
        print("""

            5. It is all plain git. Try:
               git --git-dir=\(repo) log --oneline --graph main
               git -c gpg.ssh.allowedSignersFile=\(directory.path)/allowed_signers --git-dir=\(repo) log --show-signature writ/ledger
               writ status --repo \(repo) --trust \(outcome.sandbox.trustRoot.hex)
               writ show release-app-3-0-0 --repo \(repo) --trust \(outcome.sandbox.trustRoot.hex)
            """)
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
