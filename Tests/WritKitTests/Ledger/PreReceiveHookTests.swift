import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A bare server repository with `writ hook pre-receive` (the built binary)
/// installed as its `hooks/pre-receive`, seeded with a governance branch
/// and a ledger, and clones that push to it with stock git: over a local
/// path (git runs receive-pack and its hooks, with the push in quarantine,
/// exactly as a server does) or over ssh.
final class PreReceiveFixture {
    let root: URL
    let server: URL
    /// What clones fetch from and push to.
    var url: String
    /// `core.sshCommand` of every clone, for an ssh `url`.
    var sshCommand: String?

    init(_ name: String = #function, hookArguments: [String] = []) throws {
        root = try GitTestSupport.scratch(name)
        server = root.appendingPathComponent("server.git")
        url = server.path
        try GitTestSupport.git(root, "init", "-q", "--bare", "-b", "main", server.path)
        let seed = root.appendingPathComponent("seed")
        try GitTestSupport.git(root, "init", "-q", "-b", "main", seed.path)
        try GitTestSupport.write("the ops repository\n", to: seed.appendingPathComponent("README.md"))
        try GitTestSupport.git(seed, "add", "-A")
        try GitTestSupport.git(seed, "commit", "-q", "-m", "governance")
        try GitTestSupport.git(seed, "checkout", "-q", "--orphan", "writ/ledger")
        try GitTestSupport.git(seed, "rm", "-rfq", ".")
        try GitTestSupport.write("schema = 1\n", to: seed.appendingPathComponent(Self.intentPath(1)))
        try GitTestSupport.git(seed, "add", "-A")
        try GitTestSupport.git(seed, "commit", "-q", "-m", "ledger")
        try GitTestSupport.git(seed, "push", "-q", server.path, "main", "writ/ledger")
        try installHook(hookArguments)
    }

    static func intentPath(_ number: Int) -> String {
        LedgerPath.intent(IntentID("triage-\(String(format: "%04d", number))")!).path
    }

    /// Writes `hooks/pre-receive` calling the built `writ`.
    func installHook(_ arguments: [String] = []) throws {
        let hook = server.appendingPathComponent("hooks/pre-receive")
        let quoted = ([CLI.binary, "hook", "pre-receive"] + arguments).map { "'\($0)'" }.joined(separator: " ")
        try Data("#!/bin/sh\nexec \(quoted)\n".utf8).write(to: hook)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
    }

    /// A fresh clone with every branch of the server.
    func clone(_ name: String) throws -> URL {
        let clone = root.appendingPathComponent(name)
        var arguments = ["clone", "-q", url, clone.path]
        if let sshCommand { arguments = ["-c", "core.sshCommand=\(sshCommand)"] + arguments }
        try GitTestSupport.gitArgs(root, arguments)
        if let sshCommand { try GitTestSupport.git(clone, "config", "core.sshCommand", sshCommand) }
        try GitTestSupport.git(clone, "config", "pull.rebase", "false")
        try GitTestSupport.git(clone, "branch", "-q", "--track", "writ/ledger", "origin/writ/ledger")
        return clone
    }

    /// `git push` from `clone`, not required to succeed.
    func push(_ clone: URL, _ arguments: String...) throws -> GitTestSupport.Output {
        try GitTestSupport.run("/usr/bin/git", ["-C", clone.path, "push", "origin"] + arguments)
    }

    /// The server's tip of `ref`, nil when it does not exist.
    func tip(_ ref: String) throws -> String? {
        let output = try GitTestSupport.run(
            "/usr/bin/git", ["-C", server.path, "rev-parse", "-q", "--verify", "refs/heads/\(ref)"])
        return output.status == 0 ? output.trimmed : nil
    }

    /// Commits `files` (path: text) on the current branch of `clone`.
    @discardableResult
    func commit(_ clone: URL, _ message: String, _ files: [String: String] = [:]) throws -> String {
        for (path, text) in files { try GitTestSupport.write(text, to: clone.appendingPathComponent(path)) }
        try GitTestSupport.git(clone, "add", "-A")
        try GitTestSupport.git(clone, "commit", "-q", "--allow-empty", "-m", message)
        return try GitTestSupport.git(clone, "rev-parse", "HEAD")
    }

    /// Two operators merge at once; the loser runs `git pull --no-rebase`:
    /// returns the loser's clone, holding the merge git's hint leads to,
    /// and the winner's tip.
    func pullMerge() throws -> (loser: URL, winnerTip: String) {
        let winner = try clone("winner")
        let loser = try clone("loser")
        try commit(winner, "merge approval/a", ["approvals/a.toml": "a\n"])
        let pushed = try push(winner, "main")
        try #require(pushed.status == 0, "\(pushed.stderr)")
        try commit(loser, "merge approval/b", ["approvals/b.toml": "b\n"])
        let first = try push(loser, "main")
        try #require(first.status != 0, "the second push must lose the race")
        try GitTestSupport.git(loser, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
        try #require(
            try GitTestSupport.git(loser, "rev-list", "--parents", "-n", "1", "HEAD").split(separator: " ").count == 3)
        return (loser, try #require(try tip("main")))
    }

    func remove() { GitTestSupport.remove(root) }
}

/// `writ hook pre-receive` against a local bare repository (SPEC §5): the
/// governance branch keeps its first-parent chain, the ledger stays an
/// append-only fast-forward, other refs pass.
@Suite struct PreReceiveHookTests {
    @Test func aGitPullMergePushToTheGovernanceBranchIsRefusedAndTheLinearRecipeIsAccepted() throws {
        let fixture = try PreReceiveFixture()
        defer { fixture.remove() }
        let (loser, winnerTip) = try fixture.pullMerge()
        let refused = try fixture.push(loser, "main")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("writ: refused refs/heads/main: history_rewritten"), "\(refused.stderr)")
        #expect(refused.stderr.contains("first-parent"), "\(refused.stderr)")
        #expect(try fixture.tip("main") == winnerTip)

        // The linear recipe: the server's tip first, the work merged in.
        try GitTestSupport.git(loser, "branch", "-q", "approval/b", "HEAD^1")
        try GitTestSupport.git(loser, "fetch", "-q", "origin")
        try GitTestSupport.git(loser, "switch", "-q", "-C", "main", "origin/main")
        try GitTestSupport.git(loser, "merge", "-q", "--no-ff", "--no-edit", "approval/b")
        let accepted = try fixture.push(loser, "main")
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let head = try GitTestSupport.git(loser, "rev-parse", "HEAD")
        #expect(try fixture.tip("main") == head)
        #expect(try GitTestSupport.git(fixture.server, "rev-parse", "main^1") == winnerTip)
    }

    @Test func aForcePushOrADeletionOfEitherBranchIsRefusedAndOtherRefsPass() throws {
        let fixture = try PreReceiveFixture()
        defer { fixture.remove() }
        let clone = try fixture.clone("operator")
        let main = try fixture.tip("main")
        let ledger = try fixture.tip("writ/ledger")
        try GitTestSupport.git(clone, "commit", "-q", "--amend", "-m", "rewritten")
        let forced = try fixture.push(clone, "--force", "main")
        #expect(forced.stderr.contains("refused refs/heads/main: history_rewritten"), "\(forced.stderr)")
        #expect(forced.stderr.contains("does not descend"), "\(forced.stderr)")
        let deleteMain = try fixture.push(clone, "--delete", "main")
        #expect(deleteMain.stderr.contains("refused refs/heads/main: history_rewritten"), "\(deleteMain.stderr)")
        let deleteLedger = try fixture.push(clone, "--delete", "writ/ledger")
        #expect(
            deleteLedger.stderr.contains("refused refs/heads/writ/ledger: history_rewritten"), "\(deleteLedger.stderr)")
        try GitTestSupport.git(clone, "switch", "-q", "writ/ledger")
        try GitTestSupport.git(clone, "commit", "-q", "--amend", "-m", "rewritten ledger")
        let forcedLedger = try fixture.push(clone, "--force", "writ/ledger")
        #expect(
            forcedLedger.stderr.contains("refused refs/heads/writ/ledger: history_rewritten"), "\(forcedLedger.stderr)")
        #expect(try fixture.tip("main") == main)
        #expect(try fixture.tip("writ/ledger") == ledger)

        // Near miss: any other ref is untouched by the hook.
        try GitTestSupport.git(clone, "switch", "-q", "-c", "feature", "origin/main")
        try fixture.commit(clone, "feature", ["notes.txt": "x\n"])
        #expect(try fixture.push(clone, "feature").status == 0)
        try GitTestSupport.git(clone, "commit", "-q", "--amend", "-m", "feature rewritten")
        #expect(try fixture.push(clone, "--force", "feature").status == 0)
        #expect(try fixture.push(clone, "--delete", "feature").status == 0)
        #expect(try fixture.tip("feature") == nil)
    }

    /// An append-only fast-forward of the ledger is accepted, a large one
    /// (its objects arrive as a pack in git's quarantine) included.
    @Test func anAppendOnlyLedgerPushIsAccepted() throws {
        let fixture = try PreReceiveFixture()
        defer { fixture.remove() }
        let clone = try fixture.clone("dispatcher")
        try GitTestSupport.git(clone, "switch", "-q", "writ/ledger")
        try fixture.commit(clone, "propose one", [PreReceiveFixture.intentPath(2): "schema = 1\n# 2\n"])
        var files: [String: String] = [:]
        for number in 3..<160 { files[PreReceiveFixture.intentPath(number)] = "schema = 1\n# \(number)\n" }
        let tip = try fixture.commit(clone, "propose many", files)
        let pushed = try fixture.push(clone, "writ/ledger")
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(try fixture.tip("writ/ledger") == tip)
        // A linear governance push in the same push.
        try GitTestSupport.git(clone, "switch", "-q", "main")
        let main = try fixture.commit(clone, "merge approval/c", ["approvals/c.toml": "c\n"])
        #expect(try fixture.push(clone, "main").status == 0)
        #expect(try fixture.tip("main") == main)
    }

    enum LedgerBreak: String, CaseIterable, Sendable {
        case change, removal, outsidePath, symlink, executable, merge
    }

    @Test(arguments: LedgerBreak.allCases)
    func aLedgerPushThatIsNotAppendOnlyIsRefused(_ kind: LedgerBreak) throws {
        let fixture = try PreReceiveFixture("ledger-\(kind)")
        defer { fixture.remove() }
        let clone = try fixture.clone("writer")
        let before = try fixture.tip("writ/ledger")
        try GitTestSupport.git(clone, "switch", "-q", "writ/ledger")
        let existing = PreReceiveFixture.intentPath(1)
        switch kind {
        case .change:
            try fixture.commit(clone, "edit", [existing: "schema = 1\n# edited\n"])
        case .removal:
            try GitTestSupport.git(clone, "rm", "-q", existing)
            try fixture.commit(clone, "remove")
        case .outsidePath:
            try fixture.commit(clone, "notes", ["notes.txt": "x\n"])
        case .symlink:
            let path = PreReceiveFixture.intentPath(2)
            let link = clone.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/passwd")
            try fixture.commit(clone, "link")
        case .executable:
            let path = PreReceiveFixture.intentPath(2)
            try GitTestSupport.write("#!/bin/sh\n", to: clone.appendingPathComponent(path))
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o755], ofItemAtPath: clone.appendingPathComponent(path).path)
            try fixture.commit(clone, "executable")
        case .merge:
            try GitTestSupport.git(clone, "switch", "-q", "-c", "side")
            try fixture.commit(clone, "side", [PreReceiveFixture.intentPath(2): "schema = 1\n"])
            try GitTestSupport.git(clone, "switch", "-q", "writ/ledger")
            try fixture.commit(clone, "main line", [PreReceiveFixture.intentPath(3): "schema = 1\n"])
            try GitTestSupport.git(clone, "merge", "-q", "--no-ff", "--no-edit", "side")
        }
        let refused = try fixture.push(clone, "writ/ledger")
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("writ: refused refs/heads/writ/ledger: ledger_violation"), "\(refused.stderr)")
        #expect(try fixture.tip("writ/ledger") == before)
    }

    /// The branches come from --governance-ref / --ledger-ref, else the
    /// repository's git config, else main and writ/ledger.
    @Test func theBranchesComeFromFlagsThenGitConfig() throws {
        let fixture = try PreReceiveFixture()
        defer { fixture.remove() }
        try GitTestSupport.git(fixture.server, "config", "writ.governanceRef", "ops")
        let clone = try fixture.clone("operator")
        try GitTestSupport.git(clone, "switch", "-q", "-c", "ops")
        try fixture.commit(clone, "ops", ["a.txt": "a\n"])
        #expect(try fixture.push(clone, "ops").status == 0)
        try GitTestSupport.git(clone, "commit", "-q", "--amend", "-m", "ops rewritten")
        let refused = try fixture.push(clone, "--force", "ops")
        #expect(refused.stderr.contains("refused refs/heads/ops: history_rewritten"), "\(refused.stderr)")
        // main is no longer the governance branch: a force push passes.
        try GitTestSupport.git(clone, "switch", "-q", "main")
        try GitTestSupport.git(clone, "commit", "-q", "--amend", "-m", "main rewritten")
        #expect(try fixture.push(clone, "--force", "main").status == 0)
        // A flag wins over the config.
        try fixture.installHook(["--governance-ref", "refs/heads/main"])
        try GitTestSupport.git(clone, "commit", "-q", "--amend", "-m", "main rewritten again")
        let flagged = try fixture.push(clone, "--force", "main")
        #expect(flagged.stderr.contains("refused refs/heads/main: history_rewritten"), "\(flagged.stderr)")
    }

    /// Fail closed: input that is not git's, or a commit the hook cannot
    /// read, refuses the push (exit 3), never waves it through.
    @Test func unreadableInputOrObjectsRefuseThePush() throws {
        let fixture = try PreReceiveFixture()
        defer { fixture.remove() }
        let garbage = try CLI.run(
            "hook", "pre-receive", "--repo", fixture.server.path, stdin: Data("not a ref update\n".utf8))
        #expect(garbage.status == 3, "\(garbage.stderr)")
        let main = try #require(try fixture.tip("main"))
        let missing = String(repeating: "ab", count: 20)
        let unknown = try CLI.run(
            "hook", "pre-receive", "--repo", fixture.server.path,
            stdin: Data("\(main) \(missing) refs/heads/main\n".utf8))
        #expect(unknown.status == 3, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("writ: error: cannot judge the push, so it is refused"), "\(unknown.stderr)")
        // Near miss: the same line for another ref is not read at all.
        let other = try CLI.run(
            "hook", "pre-receive", "--repo", fixture.server.path,
            stdin: Data("\(main) \(missing) refs/heads/feature\n".utf8))
        #expect(other.status == 0, "\(other.stderr)")
    }

    /// The object directories git names during pre-receive, as git writes
    /// them (an alternate holding `:` is C-quoted).
    @Test func hookObjectDirectoriesAreReadAsGitWritesThem() {
        let directories = Repository.hookObjectDirectories(
            environment: [
                "GIT_QUARANTINE_PATH": "/srv/r.git/objects/tmp_objdir-incoming-x",
                "GIT_OBJECT_DIRECTORY": "/srv/r.git/objects/tmp_objdir-incoming-x",
                "GIT_ALTERNATE_OBJECT_DIRECTORIES": "/srv/r.git/objects:\"/srv/a:b\\\"c\\101\":relative/objects",
            ], relativeTo: "/srv/r.git")
        #expect(
            directories == [
                "/srv/r.git/objects/tmp_objdir-incoming-x", "/srv/r.git/objects", "/srv/a:b\"cA",
                "/srv/r.git/relative/objects",
            ])
        #expect(Repository.hookObjectDirectories(environment: [:], relativeTo: "/") == [])
    }
}
