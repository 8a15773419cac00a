import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The approval PR body and the escaping routine every forge view uses:
/// hostile record text (backticks, HTML, mentions, table breaks, control
/// characters) shows as text and changes nothing else; the whole body is
/// compared with a golden file.
@Suite struct ApprovalBodyTests {
    static let golden = RepoRoot.url.appendingPathComponent("Tests/WritKitTests/Transport/Golden/approval-body.md")

    @Test func theEscapeLeavesNoMarkdownHTMLMentionOrLineBreak() {
        let hostile = "a `code` <script>alert(1)</script> @alice @org/team | cell\nnext *b* [l](http://x) \u{1B}[31m"
        let escaped = UntrustedText.markdown(hostile)
        for forbidden in ["`", "<", ">", "@alice", "@org", "|", "\n", "\r", "*", "[", "]", "(", "\u{1B}"] {
            #expect(!escaped.contains(forbidden), "\(forbidden) in \(escaped)")
        }
        #expect(escaped.contains("&#64;&#8203;alice"))
        #expect(escaped.contains("&#60;script&#62;"))
        #expect(escaped.contains("cell␤next"))
        #expect(escaped.contains("&#92;u&#123;1b&#125;"))
        // Letters, digits, spaces and non-ASCII text pass as they are.
        #expect(UntrustedText.markdown("Release 1 für Ünïcode") == "Release 1 für Ünïcode")
        // A terminal line keeps the text and shows its control characters.
        #expect(UntrustedText.terminal("a\u{1B}[31m\nb\u{202E}c") == "a\\u{1b}[31m\\u{a}b\\u{202e}c")
        // In code, no zero-width space: a principal copied from it is the principal.
        #expect(UntrustedText.markdownCode("alice@example.com") == "<code>alice&#64;example&#46;com</code>")
    }

    static func hostileWaiting() throws -> ApprovalNotifier.Waiting {
        let toml = """
            schema = 1
            id = "release-1"
            kind = "release"
            proposer = "agent-1@example.com"
            created_at = "2026-11-22T00:50:00Z"
            summary = "Ship `v2` <script>alert(1)</script> cc @alice | now"
            expires_at = "2099-01-01T00:00:00Z"

            [target]
            repo = "github.com/acme/app"
            branch = "main"

            [params]
            notes = "``` @org/team <b>bold</b>"
            version = "1.2.3"

            """
        let intent = try Intent.parse(
            Array(toml.utf8), expectedPath: LedgerPath.intent(try #require(IntentID("release-1"))).path)
        let commit = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let branch = BranchApprovals(
            branch: "approval/release-1",
            records: [
                .init(
                    principal: Principal("alice@example.com"), decision: .approve,
                    path: "approvals/xx/release-1/alice@example.com.toml", ref: "refs/heads/approval/release-1",
                    commit: commit, counts: true, reason: nil, detail: "signature verified; counts once merged"),
                .init(
                    principal: Principal("bob@example.com"), decision: .approve,
                    path: "approvals/xx/release-1/bob@example.com.toml", ref: "refs/heads/approval/release-1",
                    commit: commit, counts: false, reason: .signerNotAuthorized,
                    detail: "\"bob@example.com\" holds no role that tier high accepts <i>`x`</i>\nforged line"),
                .init(
                    principal: Principal("carol@example.com"), decision: .approve,
                    path: "approvals/xx/release-1/carol@example.com.toml", ref: "refs/heads/approval/release-1",
                    commit: commit, counts: true, reason: nil, detail: "signature verified; counts once merged"),
            ], approvalsIfMerged: 2, required: 2, readyIfMerged: true, reasonIfMerged: nil)
        var waiting = ApprovalNotifier.Waiting(
            id: intent.id, intent: intent, tier: .high, digest: .sha256(of: Array(toml.utf8)), counted: [],
            required: 2, roles: ["admin"])
        waiting.branch = branch
        waiting.mayApprove = [(try #require(Principal("dave@example.com")), ["dave", "dave-bot[bot]"])]
        return waiting
    }

    @Test func theBodyMatchesTheGoldenFileAndEscapesEveryRecordText() throws {
        let body = ApprovalNotifier.body(try Self.hostileWaiting(), governanceRef: "main")
        if ProcessInfo.processInfo.environment["WRIT_REGENERATE_DOCS"] == "1" {
            try Data((body + "\n").utf8).write(to: Self.golden)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        #expect(body + "\n" == expected, "differs from approval-body.md; got:\n\(body)")

        // Whatever the golden file says, these hold.
        #expect(!body.contains("<script") && !body.contains("<b>") && !body.contains("<i>"))
        #expect(!body.contains("@alice") && !body.contains("@org"))
        let backtickLines = body.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.contains("`") }
        #expect(backtickLines == ["```", "```"], "only the command's fence has backticks: \(backtickLines)")
        for line in body.split(separator: "\n") where line.hasPrefix("|") {
            #expect(line.hasSuffix("|") && line.filter { $0 == "|" }.count == 3, "a row broke: \(line)")
        }
        #expect(!body.contains("\nforged line"))
        #expect(body.contains("**2 of 2 signed, ready to merge**"))
        #expect(body.contains("| proposer | <code>agent&#45;1&#64;example&#46;com</code> |"))
        #expect(body.contains("| expires | <code>2099&#45;01&#45;01T00&#58;00&#58;00Z</code> |"))
        #expect(body.contains("writ approve release-1 --push"))
        #expect(body.contains("A forge review (the \"Approve\" button) does not count; only a signed record does."))
        #expect(body.contains("forge login <code>dave</code>, <code>dave&#45;bot&#91;bot&#93;</code>"))
    }

    @Test func aBodyShortOfTheQuorumIsNotReadyToMerge() throws {
        var waiting = try Self.hostileWaiting()
        waiting.branch = nil
        let body = ApprovalNotifier.body(waiting, governanceRef: "main")
        #expect(body.contains("**0 of 2 signed**: more approvals are needed before merging."))
        #expect(!body.contains("ready to merge"))
    }

    /// A tier with `require` groups (SPEC §4.6): each group with who
    /// counted, who signed on the branch and who may still approve; "ready
    /// to merge" only once the branch meets the tier's count and every group.
    @Test func aBodyListsEachGroupAndIsReadyToMergeOnlyWhenEveryGroupIsMet() throws {
        let sam = try #require(Principal("sam@example.com"))
        let sec = try #require(Principal("sec@example.com"))
        let security = Policy.RoleGroup(approvals: 1, roles: ["security", "x`<b>y"])
        var waiting = try Self.hostileWaiting()
        waiting.tierCounted = 2
        waiting.groups = [GroupTally(group: security, counted: [], mayApprove: [sam, sec])]
        waiting.logins = [sam: ["sam-gh"]]
        waiting.mayApprove = []
        // The branch holds the tier's count but leaves the group unmet.
        let branch = try #require(waiting.branch)
        waiting.branch = BranchApprovals(
            branch: branch.branch, records: branch.records, approvalsIfMerged: 2, required: 2, readyIfMerged: false,
            reasonIfMerged: .notApproved,
            groupsIfMerged: [GroupTally(group: security, counted: [], mayApprove: [sam, sec])])
        var body = ApprovalNotifier.body(waiting, governanceRef: "main")
        #expect(!body.contains("ready to merge"), "\(body)")
        #expect(
            body.contains("**2 of 2 signed**: more approvals are needed before merging (group(s) not met: 1 of "),
            "\(body)")
        #expect(
            body.contains(
                "- group 1 of 1, 1 of &#91;security&#44; x&#96;&#60;b&#62;y&#93;: **not met**; counted: none; "
                    + "signed on the branch: none; may still approve: <code>sam&#64;example&#46;com</code> (forge login "
                    + "<code>sam&#45;gh</code>), <code>sec&#64;example&#46;com</code>"), "\(body)")
        #expect(!body.contains("<b>"))

        // sam signs on the branch: the group would be met once merged.
        waiting.branch = BranchApprovals(
            branch: branch.branch,
            records: branch.records + [
                .init(
                    principal: sam, decision: .approve, path: "approvals/xx/release-1/sam@example.com.toml",
                    ref: "refs/heads/approval/release-1", commit: branch.records[0].commit, counts: true, reason: nil,
                    detail: "signature verified; counts once merged")
            ], approvalsIfMerged: 2, required: 2, readyIfMerged: true, reasonIfMerged: nil,
            groupsIfMerged: [GroupTally(group: security, counted: [sam], mayApprove: [sec])])
        body = ApprovalNotifier.body(waiting, governanceRef: "main")
        #expect(body.contains("**2 of 2 signed, ready to merge**"), "\(body)")
        #expect(
            body.contains(
                "**not met**; counted: none; signed on the branch: <code>sam&#64;example&#46;com</code>; "
                    + "may still approve: <code>sec&#64;example&#46;com</code>"), "\(body)")

        // Merged, counted: the group is met.
        waiting.branch = nil
        waiting.groups = [GroupTally(group: security, counted: [sam], mayApprove: [sec])]
        body = ApprovalNotifier.body(waiting, governanceRef: "main")
        #expect(body.contains("**met**; counted: <code>sam&#64;example&#46;com</code>"), "\(body)")
    }

    /// SPEC §4.7: a break-glass record on the branch is named as what it
    /// is, its reason escaped, and merging is said to run the intent now.
    @Test func aBreakGlassRecordOnTheBranchIsAnnounced() throws {
        var waiting = try Self.hostileWaiting()
        let commit = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        waiting.branch = BranchApprovals(
            branch: "approval/release-1",
            records: [
                .init(
                    principal: Principal("alice@example.com"), decision: .breakGlass,
                    path: "approvals/xx/release-1/alice@example.com.toml", ref: "refs/heads/approval/release-1",
                    commit: commit, counts: false, reason: nil,
                    detail: "break-glass by \"alice@example.com\": merging runs the intent now <b>x</b>")
            ], approvalsIfMerged: 0, required: 2, readyIfMerged: true, reasonIfMerged: nil)
        let body = ApprovalNotifier.body(waiting, governanceRef: "main")
        #expect(body.contains("**break-glass**"), "\(body)")
        #expect(body.contains("**Break-glass record signed**: merging this pull request runs the intent now"))
        #expect(!body.contains("more approvals are needed"))
        #expect(!body.contains("<b>"))
    }

    @Test func theFinalCommentNamesTheRunThatExecuted() throws {
        let comment = ApprovalNotifier.comment(
            .init(
                id: try #require(IntentID("release-1")), outcome: "succeeded", runID: "run-20261122-abc",
                exitCode: 0, durationMs: 1234, commit: ObjectID(hex: String(repeating: "cd", count: 20))))
        #expect(
            comment
                == "writ: <code>release&#45;1</code> **succeeded** in run <code>run&#45;20261122&#45;abc</code>: "
                + "exit code 0, 1234 ms, ledger commit <code>\(String(repeating: "cd", count: 20))</code>.")
    }
}
