import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `Repository.placeTracking(_:)`: whether any place a checkout, switch or
/// merge could write a work-tree file from holds it.
@Suite struct TrackedPathTests {
    @Test func findsThePathInTheIndexHeadAndEveryBranchTipButNotInTags() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        try GitTestSupport.git(dir, "init", "-q", "-b", "main")
        try GitTestSupport.write("a\n", to: dir.appendingPathComponent("a"))
        try GitTestSupport.git(dir, "add", "a")
        try GitTestSupport.git(dir, "commit", "-q", "-m", "a")
        let path = ".writ.toml"
        func place() throws -> String? { try Repository.open(at: dir.path).placeTracking(path) }
        #expect(try place() == nil)

        // Untracked in the work tree: nothing tracks it.
        try GitTestSupport.write("x = 1\n", to: dir.appendingPathComponent(path))
        #expect(try place() == nil)
        try GitTestSupport.git(dir, "add", path)
        #expect(try place() == "the index")
        try GitTestSupport.git(dir, "commit", "-q", "-m", "tracked")
        try GitTestSupport.git(dir, "rm", "-q", "--cached", path)
        #expect(try place() == "HEAD")
        // Detached at that commit, the branch moved on without it.
        let tracked = try GitTestSupport.git(dir, "rev-parse", "HEAD")
        try GitTestSupport.git(dir, "commit", "-q", "-m", "untracked")
        #expect(try place() == nil)
        try GitTestSupport.git(dir, "tag", "old", tracked)
        #expect(try place() == nil, "tags are not walked")
        try FileManager.default.removeItem(at: dir.appendingPathComponent(path))
        try GitTestSupport.git(dir, "-c", "advice.detachedHead=false", "checkout", "-q", tracked)
        #expect(try place() == "the index")
        try GitTestSupport.git(dir, "rm", "-q", "--cached", path)
        #expect(try place() == "HEAD")
        try FileManager.default.removeItem(at: dir.appendingPathComponent(path))
        try GitTestSupport.git(dir, "switch", "-q", "main")

        // A local branch with a slash in its name, then only a remote-tracking one.
        try GitTestSupport.git(dir, "branch", "approval/x", tracked)
        #expect(try place() == "refs/heads/approval/x")
        try GitTestSupport.git(dir, "update-ref", "refs/remotes/origin/approval/x", tracked)
        try GitTestSupport.git(dir, "branch", "-q", "-D", "approval/x")
        #expect(try place() == "refs/remotes/origin/approval/x")
        // A symbolic remote HEAD to nothing is skipped, not an error.
        try GitTestSupport.git(dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/gone")
        #expect(try place() == "refs/remotes/origin/approval/x")
        try GitTestSupport.git(dir, "update-ref", "-d", "refs/remotes/origin/approval/x")
        #expect(try place() == nil)
        // A directory by that name counts as tracking it too.
        try GitTestSupport.write("y\n", to: dir.appendingPathComponent(path + "/inner"))
        try GitTestSupport.git(dir, "add", path + "/inner")
        #expect(try place() == "the index")
    }

    @Test func aLinkedWorkTreeSharesTheCommonDirectory() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let main = dir.appendingPathComponent("main")
        let linked = dir.appendingPathComponent("linked")
        try FileManager.default.createDirectory(at: main, withIntermediateDirectories: true)
        try GitTestSupport.git(main, "init", "-q", "-b", "main")
        try GitTestSupport.git(main, "commit", "-q", "--allow-empty", "-m", "root")
        try GitTestSupport.git(main, "worktree", "add", "-q", "-b", "side", linked.path)
        let repository = try Repository.open(at: linked.path)
        let common = URL(fileURLWithPath: repository.commonDirectory).standardizedFileURL.path
        #expect(common == main.appendingPathComponent(".git").standardizedFileURL.path)
        #expect(URL(fileURLWithPath: repository.gitDirectory).standardizedFileURL.path != common)
        let top = try #require(repository.workTreeDirectory)
        #expect(URL(fileURLWithPath: top).standardizedFileURL.path == linked.standardizedFileURL.path)
        let bare = try Repository.create(at: dir.appendingPathComponent("bare.git").path, bare: true)
        #expect(bare.workTreeDirectory == nil)
        #expect(bare.commonDirectory == bare.gitDirectory)
    }
}
