import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ propose` refuses an intent over a `[limits]` limit before writing
/// (SPEC §4.8): exit 1 with `quota_exceeded` and the counts, nothing on the
/// ledger or an approval branch; `--force` writes it after a warning, and
/// then it is blocked with the same code. Through the built binary.
@Suite struct ProposeLimitsTests {
    final class World {
        let dir: URL
        let sandbox: OpsSandbox
        var repo: String { sandbox.ops.repository.gitDirectory }

        init(limits: String) throws {
            dir = try GitTestSupport.scratch()
            sandbox = try OpsSandbox(
                at: dir, policy: OpsSandbox.demoPolicy + "\n[limits]\n\(limits)\n",
                principals: OpsSandbox.demoPrincipals)
        }

        deinit { GitTestSupport.remove(dir) }

        func propose(_ id: String, extra: [String] = []) throws -> GitTestSupport.Output {
            try CLI.runArgs(
                ["propose", "--kind", "dev", "--target", "github.com/example/app", "--id", id] + extra + [
                    "--repo", repo, "--as", "agent-1@example.com", "--key", sandbox.keyPath("agent-1@example.com"),
                    "--trust", sandbox.trustRoot.hex,
                ])
        }

        func ref(_ name: String) throws -> String? {
            let out = try GitTestSupport.run("/usr/bin/git", ["--git-dir", repo, "rev-parse", "--verify", "-q", name])
            return out.status == 0 ? out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
    }

    @Test func proposeRefusesAnIntentPastMaxPendingBeforeWriting() throws {
        let world = try World(limits: "max_pending = 1")
        let first = try world.propose("dev-1")
        #expect(first.status == 0, "\(first.stderr)")
        let ledger = try world.ref("writ/ledger")

        let refused = try world.propose("dev-2")
        #expect(refused.status == 1, "exit \(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("refused: quota_exceeded:"), "\(refused.stderr)")
        #expect(refused.stderr.contains("has 1 pending intents (max_pending = 1): dev-1"), "\(refused.stderr)")
        #expect(try world.ref("writ/ledger") == ledger, "the ledger moved on a refused propose")
        #expect(try world.ref("approval/dev-2") == nil)

        // --force writes it after a warning; it is then blocked, never ready.
        let forced = try world.propose("dev-2", extra: ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("warning: --force"), "\(forced.stderr)")
        #expect(forced.stderr.contains("quota_exceeded"), "\(forced.stderr)")
        #expect(try world.ref("writ/ledger") != ledger)
        let row = try world.sandbox.status().intents.first { $0.id.rawValue == "dev-2" }
        #expect(row?.state == .blocked && row?.reason == .quotaExceeded, "\(String(describing: row))")
        // writ show says why, and does not send anyone to approve it.
        let shown = try CLI.run(
            "show", "dev-2", "--repo", world.repo, "--trust", world.sandbox.trustRoot.hex, "--json"
        ).jsonObject()
        #expect(shown["reason"] as? String == "quota_exceeded")
        #expect((shown["next"] as? String)?.contains("never runs") == true, "\(String(describing: shown["next"]))")
    }

    @Test func proposeRefusalPastMaxPerDaySaysWhenTheWindowFrees() throws {
        let world = try World(limits: "max_per_day = 1")
        let first = try world.propose("dev-1")
        #expect(first.status == 0, "\(first.stderr)")
        let ledger = try world.ref("writ/ledger")
        let refused = try world.propose("dev-2")
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("1 proposals in the 24 h before"), "\(refused.stderr)")
        #expect(refused.stderr.contains("the window frees at"), "\(refused.stderr)")
        #expect(try world.ref("writ/ledger") == ledger)
    }
}
