import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `PolicyVersion.setting`: the textual edit `writ governance propose` and
/// `writ init` make to `[governance] version` (SPEC §5).
@Suite struct PolicyVersionTests {
    static let policy = """
        # Team policy: reviewed by both admins.
        schema = 1

        [tiers.high]
        approvals = 1               # one admin
        roles = ["admin"]

        [roles]
        admin = ["alice@example.com"]

        [governance]                # who may change policy.toml
        approvals = 1
        roles = ["admin"]
        # keep this comment

        [members]
        alice = "alice@example.com"

        """

    static func set(_ version: Int, _ text: String) throws -> String {
        String(decoding: try PolicyVersion.setting(version, in: Data(text.utf8)), as: UTF8.self)
    }

    @Test func insertsAVersionRightAfterTheHeaderAndKeepsEveryComment() throws {
        #expect(try Policy.parse(Data(Self.policy.utf8)).governanceVersion == 0)
        let result = try Self.set(1, Self.policy)
        #expect(
            result
                == Self.policy.replacingOccurrences(
                    of: "[governance]                # who may change policy.toml\n",
                    with: "[governance]                # who may change policy.toml\nversion = 1\n"))
        #expect(try Policy.parse(Data(result.utf8)).governanceVersion == 1)
        for comment in ["# Team policy", "# one admin", "# who may change policy.toml", "# keep this comment"] {
            #expect(result.contains(comment), "\(comment)")
        }
    }

    /// `[limits]`, `[[freeze]]` and `[break_glass]` are kept: a policy
    /// with any of them can be proposed at its next version.
    @Test func keepsLimitsFreezesAndBreakGlass() throws {
        let text =
            Self.policy.replacingOccurrences(
                of: "admin = [\"alice@example.com\"]", with: "admin = [\"alice@example.com\", \"carol@example.com\"]")
            + "[limits]\nmax_pending = 3\n\n[[freeze]]\nname = \"year-end\"\nstart = \"2026-12-20T00:00:00Z\"\n"
            + "end = \"2027-01-04T00:00:00Z\"\ntiers = [\"high\"]\n\n[break_glass]\nroles = [\"admin\"]\n"
            + "review_within = \"72h\"\nreview_approvals = 1\nreview_roles = [\"admin\"]\n"
        let result = try Policy.parse(Data(try Self.set(1, text).utf8))
        let original = try Policy.parse(Data(text.utf8))
        #expect(result.governanceVersion == 1)
        #expect(result.freezes == original.freezes && result.freezes.count == 1)
        #expect(result.limits == original.limits && result.limits != nil)
        #expect(result.breakGlass == original.breakGlass && result.breakGlass != nil)
    }

    @Test func replacesAnExistingVersionAndKeepsItsComment() throws {
        let at4 = Self.policy.replacingOccurrences(
            of: "# keep this comment", with: "version   =  4   # +1 with every adopted change")
        #expect(try Policy.parse(Data(at4.utf8)).governanceVersion == 4)
        let result = try Self.set(5, at4)
        #expect(result == at4.replacingOccurrences(of: "=  4   #", with: "=  5   #"))
        #expect(try Policy.parse(Data(result.utf8)).governanceVersion == 5)
        // The same version again changes nothing.
        #expect(try Self.set(4, at4) == at4)
    }

    @Test func keepsCRLFLineEnds() throws {
        let crlf = Self.policy.replacingOccurrences(of: "\n", with: "\r\n")
        let inserted = try Self.set(2, crlf)
        #expect(inserted.contains("# who may change policy.toml\r\nversion = 2\r\napprovals = 1"))
        #expect(!inserted.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let replaced = try Self.set(3, inserted)
        #expect(replaced == inserted.replacingOccurrences(of: "version = 2\r\n", with: "version = 3\r\n"))
    }

    @Test func refusesWhatItCannotEditSafely() throws {
        // An inline table: no [governance] header to edit.
        let inline = """
            schema = 1
            governance = { approvals = 1, roles = ["admin"] }

            [roles]
            admin = ["alice@example.com"]

            """
        #expect(try Policy.parse(Data(inline.utf8)).governanceVersion == 0)
        #expect(throws: WritError.self) { try Self.set(1, inline) }
        do {
            _ = try Self.set(1, inline)
        } catch let error as WritError {
            #expect(error.reason == .policyMalformed)
            #expect(error.detail.contains("by hand"), "\(error.detail)")
        }
        // Dotted keys, and a header spelled with inner spaces: refused too, never guessed at.
        let dotted = inline.replacingOccurrences(
            of: "governance = { approvals = 1, roles = [\"admin\"] }",
            with: "governance.approvals = 1\ngovernance.roles = [\"admin\"]")
        #expect(try Policy.parse(Data(dotted.utf8)).governanceVersion == 0)
        #expect(throws: WritError.self) { try Self.set(1, dotted) }
        let spaced = Self.policy.replacingOccurrences(of: "[governance]", with: "[ governance ]")
        #expect(try Policy.parse(Data(spaced.utf8)).governanceVersion == 0)
        #expect(throws: WritError.self) { try Self.set(1, spaced) }
        // A policy that does not parse, and a negative version.
        #expect(throws: WritError.self) { try Self.set(1, "schema = 1\n") }
        #expect(throws: WritError.self) { try Self.set(-1, Self.policy) }
        // Near miss: the same policy with a header table parses and is edited.
        #expect(try Policy.parse(Data(try Self.set(1, Self.policy).utf8)).governanceVersion == 1)
    }

    @Test func parsingTheVersion() throws {
        func version(_ line: String) throws -> Int {
            try Policy.parse(
                Data(Self.policy.replacingOccurrences(of: "# keep this comment", with: line).utf8)
            ).governanceVersion
        }
        #expect(try version("version = 0") == 0)
        #expect(try version("version = 12") == 12)
        #expect(throws: WritError.self) { try version("version = -1") }
        #expect(throws: WritError.self) { try version("version = \"2\"") }
        #expect(throws: WritError.self) { try version("versions = 2") }
    }
}
