import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Where the operator config is read from (docs/operators.md, "Where the
/// operator config lives"): `<git dir>/writ.toml`, else an untracked legacy
/// `.writ.toml` with a warning, else the per-user file; never a file a
/// branch could write.
@Suite struct OperatorConfigPlaceTests {
    typealias Team = TeamFlowTests.Team

    /// The legacy place: `.writ.toml` at the top of the work tree.
    static func legacy(_ clone: URL) -> URL {
        clone.appendingPathComponent(OperatorConfig.fileName)
    }

    /// Moves the clone's operator config from the git directory to the legacy place.
    static func moveToLegacy(_ clone: URL) throws {
        try FileManager.default.moveItem(at: Team.config(of: clone), to: legacy(clone))
    }

    /// `writ ARGUMENTS` with `environment` set (`NAME=VALUE`, or `-u NAME` pairs).
    static func run(_ arguments: [String], environment: [String] = [], in directory: URL) throws
        -> GitTestSupport.Output
    {
        try GitTestSupport.run("/usr/bin/env", environment + [CLI.binary] + arguments, in: directory)
    }

    @Test func aLegacyConfigTrackedOnTheCheckedOutBranchIsRefused() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        try Self.moveToLegacy(agent)
        // Untracked, it is read (with a warning).
        let untracked = try CLI.run("status", in: agent)
        #expect(untracked.status == 0, "\(untracked.stderr)")
        // Committed on the checked-out branch: a checkout or merge chose it, so it is refused.
        try GitTestSupport.git(agent, "add", OperatorConfig.fileName)
        try GitTestSupport.git(agent, "commit", "-q", "-m", "settings")
        let committed = try CLI.run("status", in: agent)
        #expect(committed.status == 3, "\(committed.stdout) \(committed.stderr)")
        #expect(committed.stderr.contains("trust_root_missing"), "\(committed.stderr)")
        #expect(committed.stderr.contains("git tracks .writ.toml (in the index)"), "\(committed.stderr)")
        #expect(committed.stderr.contains(".git/writ.toml"), "\(committed.stderr)")
        let json = try CLI.run("status", "--json", in: agent)
        #expect(json.status == 3)
        #expect(try json.jsonObject()["reason"] as? String == "trust_root_missing", "\(json.stdout)")
        // Out of the index but still in HEAD's tree: still refused.
        try GitTestSupport.git(agent, "rm", "-q", "--cached", OperatorConfig.fileName)
        let inHead = try CLI.run("status", in: agent)
        #expect(inHead.status == 3)
        #expect(inHead.stderr.contains("git tracks .writ.toml (in HEAD)"), "\(inHead.stderr)")
        // Only staged (an unfinished merge or add): refused as well.
        try GitTestSupport.git(agent, "reset", "-q", "--hard", "HEAD~1")
        try GitTestSupport.write("principal = \"\(TeamFlowTests.agent)\"\n", to: Self.legacy(agent))
        try GitTestSupport.git(agent, "add", OperatorConfig.fileName)
        let staged = try CLI.run("status", in: agent)
        #expect(staged.status == 3)
        #expect(staged.stderr.contains("git tracks .writ.toml (in the index)"), "\(staged.stderr)")
    }

    @Test func aLegacyConfigTrackedOnAnotherLocalOrRemoteTrackingBranchIsRefused() throws {
        let team = try Team()
        defer { team.remove() }
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        // The agent's approval branch carries a .writ.toml of its choosing.
        try GitTestSupport.git(agent, "switch", "-q", "-c", "approval/evil")
        try GitTestSupport.write("trust_root = \"\(team.trustRoot)\"\nremote = \"evil\"\n", to: Self.legacy(agent))
        try GitTestSupport.git(agent, "add", OperatorConfig.fileName)
        try GitTestSupport.git(agent, "commit", "-q", "-m", "approval")
        try GitTestSupport.git(agent, "push", "-q", "origin", "approval/evil")
        try GitTestSupport.git(agent, "switch", "-q", "main")
        #expect(!FileManager.default.fileExists(atPath: Self.legacy(agent).path))

        // A local branch tip tracks it: a switch to that branch would write it.
        try Self.moveToLegacy(agent)
        let local = try CLI.run("status", in: agent)
        #expect(local.status == 3, "\(local.stdout) \(local.stderr)")
        #expect(local.stderr.contains("trust_root_missing"), "\(local.stderr)")
        #expect(local.stderr.contains("(in refs/heads/approval/evil)"), "\(local.stderr)")

        // Only a remote-tracking branch tracks it (an approver fetched the branch).
        try GitTestSupport.git(alice, "fetch", "-q", "origin")
        let beforeMove = try CLI.run("status", in: alice)
        #expect(beforeMove.status == 0, "\(beforeMove.stderr)")
        try Self.moveToLegacy(alice)
        let remote = try CLI.run("status", in: alice)
        #expect(remote.status == 3, "\(remote.stdout) \(remote.stderr)")
        #expect(remote.stderr.contains("(in refs/remotes/origin/approval/evil)"), "\(remote.stderr)")
        // Kept in the git directory, the same settings are read: no branch reaches there.
        try FileManager.default.moveItem(at: Self.legacy(alice), to: Team.config(of: alice))
        let moved = try CLI.run("status", in: alice)
        #expect(moved.status == 0, "\(moved.stderr)")
    }

    @Test func anUntrackedLegacyConfigIsReadWithAWarningNamingTheNewPlace() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        try Self.moveToLegacy(agent)
        // No --as, no --key: both come from the legacy file.
        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-1", in: agent)
        #expect(proposed.status == 0, "\(proposed.stderr)")
        #expect(proposed.stderr.contains("warning: reading the operator config from "), "\(proposed.stderr)")
        #expect(proposed.stderr.contains(Self.legacy(agent).lastPathComponent), "\(proposed.stderr)")
        #expect(proposed.stderr.contains("mv "), "\(proposed.stderr)")
        #expect(proposed.stderr.contains(".git/writ.toml"), "\(proposed.stderr)")
        // Said once, though the command reads the config more than once.
        #expect(proposed.stderr.components(separatedBy: "warning: reading").count == 2, "\(proposed.stderr)")
    }

    @Test func theGitDirectoryConfigIsReadAndWinsOverTheLegacyFile() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        // A legacy file that would fail if it were read.
        try GitTestSupport.write("trust_roots = \"0000000\"\n", to: Self.legacy(agent))
        let status = try CLI.run("status", in: agent)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stderr.contains("warning: not reading "), "\(status.stderr)")
        // Relative paths are taken from the top of the clone, as they were in
        // .writ.toml, so moving the file changes nothing: the key sits next to the clone.
        let config = Team.config(of: agent)
        let text = try String(contentsOf: config, encoding: .utf8)
        let key = try #require(team.keys[TeamFlowTests.agent])
        try GitTestSupport.write(
            text.replacingOccurrences(of: key, with: "../" + (key as NSString).lastPathComponent), to: config)
        try FileManager.default.removeItem(at: Self.legacy(agent))
        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-1", in: agent)
        #expect(proposed.status == 0, "\(proposed.stderr)")
        #expect(!proposed.stderr.contains("warning"), "\(proposed.stderr)")
    }

    @Test func theUserConfigIsTheFallback() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let xdg = team.root.appendingPathComponent("xdg")
        let home = team.root.appendingPathComponent("home")
        let settings = try String(contentsOf: Team.config(of: agent), encoding: .utf8)
        try FileManager.default.removeItem(at: Team.config(of: agent))
        // Nothing anywhere: no trust root.
        let none = try Self.run(
            ["status"], environment: ["XDG_CONFIG_HOME=\(xdg.path)", "HOME=\(home.path)"], in: agent)
        #expect(none.status != 0, "\(none.stdout)")
        #expect((none.stdout + none.stderr).contains("trust_root_missing"), "\(none.stdout)")
        // $XDG_CONFIG_HOME/writ/config.toml.
        try GitTestSupport.write(settings, to: xdg.appendingPathComponent("writ/config.toml"))
        let fromXDG = try Self.run(
            ["status"], environment: ["XDG_CONFIG_HOME=\(xdg.path)", "HOME=\(home.path)"], in: agent)
        #expect(fromXDG.status == 0, "\(fromXDG.stderr)")
        // Unset (or relative): ~/.config/writ/config.toml.
        let relative = try Self.run(
            ["status"], environment: ["XDG_CONFIG_HOME=xdg", "HOME=\(home.path)"], in: agent)
        #expect(relative.status != 0, "\(relative.stderr)")
        try GitTestSupport.write(settings, to: home.appendingPathComponent(".config/writ/config.toml"))
        let fromHome = try Self.run(["status"], environment: ["-u", "XDG_CONFIG_HOME", "HOME=\(home.path)"], in: agent)
        #expect(fromHome.status == 0, "\(fromHome.stderr)")
        // The repository's own config comes first.
        try GitTestSupport.write("trust_roots = \"0000000\"\n", to: Team.config(of: agent))
        let repoFirst = try Self.run(
            ["status"], environment: ["XDG_CONFIG_HOME=\(xdg.path)", "HOME=\(home.path)"], in: agent)
        #expect(repoFirst.status == 3, "\(repoFirst.stderr)")
        #expect(repoFirst.stderr.contains("unknown key 'trust_roots'"), "\(repoFirst.stderr)")

        #expect(
            OperatorConfigLocation.userConfigPath(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"])
                == "/x/writ/config.toml")
        #expect(
            OperatorConfigLocation.userConfigPath(environment: ["XDG_CONFIG_HOME": "", "HOME": "/h"])
                == "/h/.config/writ/config.toml")
        #expect(OperatorConfigLocation.userConfigPath(environment: ["HOME": "/h"]) == "/h/.config/writ/config.toml")
    }

    @Test func aSymlinkedLegacyConfigIsRefused() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let elsewhere = team.root.appendingPathComponent("elsewhere.toml")
        try FileManager.default.moveItem(at: Team.config(of: agent), to: elsewhere)
        try FileManager.default.createSymbolicLink(at: Self.legacy(agent), withDestinationURL: elsewhere)
        let linked = try CLI.run("status", in: agent)
        #expect(linked.status == 3, "\(linked.stdout) \(linked.stderr)")
        #expect(linked.stderr.contains("is a symlink"), "\(linked.stderr)")
        // A dangling one too (nothing is followed, nothing else is read in its place).
        try FileManager.default.removeItem(at: elsewhere)
        let dangling = try CLI.run("status", in: agent)
        #expect(dangling.status == 3, "\(dangling.stderr)")
        #expect(dangling.stderr.contains("is a symlink"), "\(dangling.stderr)")
    }

    @Test func aConfigOthersCanWriteIsRefused() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let config = Team.config(of: agent)
        #expect(chmod(config.path, 0o666) == 0)
        let open = try CLI.run("status", in: agent)
        #expect(open.status == 3, "\(open.stderr)")
        #expect(open.stderr.contains("writable by everyone"), "\(open.stderr)")
        #expect(chmod(config.path, 0o644) == 0)
        let fixed = try CLI.run("status", in: agent)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        // Another user's file (only root can hand one over).
        if geteuid() == 0 {
            #expect(chown(config.path, 4242, 4242) == 0)
            let foreign = try CLI.run("status", in: agent)
            #expect(foreign.status == 3, "\(foreign.stderr)")
            #expect(foreign.stderr.contains("owned by uid 4242"), "\(foreign.stderr)")
        }
        // A directory in its place is no config either.
        try FileManager.default.removeItem(at: config)
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: false)
        let directory = try CLI.run("status", in: agent)
        #expect(directory.status == 3, "\(directory.stderr)")
        #expect(directory.stderr.contains("not a regular file"), "\(directory.stderr)")
    }

    /// A linked work tree reads the config of the git directory it shares.
    @Test func aLinkedWorkTreeReadsTheCommonGitDirectory() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let linked = team.root.appendingPathComponent("linked")
        try GitTestSupport.git(agent, "worktree", "add", "-q", "-b", "side", linked.path)
        let status = try CLI.run("status", in: linked)
        #expect(status.status == 0, "\(status.stderr)")
        // Its own per-work-tree git directory holds none: no second place to look.
        try FileManager.default.removeItem(at: Team.config(of: agent))
        let without = try CLI.run("status", in: linked)
        #expect(without.status != 0, "\(without.stdout)")
    }

    /// `writ init` names `.git/writ.toml` and writes no `.writ.toml`.
    @Test func initNamesTheGitDirectoryAndWritesNoWorkTreeConfig() throws {
        let team = try Team()
        defer { team.remove() }
        let ops = team.root.appendingPathComponent("ops")
        let initialised = try CLI.run(
            "init", ops.path, "--policy", team.root.appendingPathComponent("policy.toml").path,
            "--signers", team.root.appendingPathComponent("allowed_signers").path)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(initialised.stdout.contains(".git/writ.toml"), "\(initialised.stdout)")
        #expect(!FileManager.default.fileExists(atPath: Self.legacy(ops).path))
        let tree = try GitTestSupport.git(ops, "ls-tree", "-r", "--name-only", "main")
        #expect(!tree.contains("writ.toml"), "\(tree)")
    }
}
