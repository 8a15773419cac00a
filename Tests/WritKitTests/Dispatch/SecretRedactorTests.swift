import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite("Secret redactor")
struct SecretRedactorTests {
    /// The whole-text answer: at each position the longest matching secret is replaced.
    static func reference(_ text: [UInt8], _ secrets: [String]) -> [UInt8] {
        let sorted = secrets.map { Array($0.utf8) }.filter { !$0.isEmpty }.sorted {
            $0.count > $1.count
        }
        var out: [UInt8] = []
        var index = 0
        outer: while index < text.count {
            for secret in sorted
            where index + secret.count <= text.count
                && Array(text[index..<(index + secret.count)]) == secret
            {
                out += SecretRedactor.marker
                index += secret.count
                continue outer
            }
            out.append(text[index])
            index += 1
        }
        return out
    }

    static func streamed(_ text: [UInt8], _ secrets: [String], cuts: [Int]) -> [UInt8] {
        var redactor = SecretRedactor(secrets: secrets)
        var out: [UInt8] = []
        var start = 0
        for cut in cuts.sorted() + [text.count] where cut >= start {
            out += redactor.feed(text[start..<cut])
            start = cut
        }
        return out + redactor.finish()
    }

    @Test("a secret split at every possible point is still redacted")
    func everySplit() {
        let text = Array("before hunter2 middle hunter2hunter2 end hunte".utf8)
        let secrets = ["hunter2"]
        let expected = Self.reference(text, secrets)
        #expect(
            String(decoding: expected, as: UTF8.self)
                == "before [REDACTED] middle [REDACTED][REDACTED] end hunte")
        for first in 0...text.count {
            for second in first...text.count {
                #expect(
                    Self.streamed(text, secrets, cuts: [first, second]) == expected, "cuts \(first) \(second)"
                )
            }
        }
    }

    @Test("random chunkings agree with the whole-text answer, overlapping and short secrets included")
    func randomChunks() {
        var generator = SeededRandom("randomChunks")
        let alphabet = Array("abcx".utf8)
        let secrets = ["abca", "bc", "x", "abcabcab", ""]
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 0...80, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? 0
            }
            let cuts = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                Int.random(in: 0...text.count, using: &generator)
            }
            let expected = Self.reference(text, secrets)
            #expect(Self.streamed(text, secrets, cuts: cuts) == expected)
            #expect(!String(decoding: expected, as: UTF8.self).contains("x"))
        }
    }

    @Test("no secrets: bytes pass through unchanged and nothing is held back")
    func passThrough() {
        var redactor = SecretRedactor(secrets: ["", ""])
        #expect(redactor.feed(Array("abc".utf8)) == Array("abc".utf8))
        #expect(redactor.heldBackCount == 0)
        #expect(redactor.finish().isEmpty)
    }

    @Test(
        "capturing 20 MB keeps memory bounded: a 4 KiB tail and a carry shorter than the longest secret"
    )
    func boundedCapture() {
        var capture = OutputCapture(secrets: ["long-secret-value-0123456789"])
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 65536)
        var peak = 0
        for _ in 0..<(20_000_000 / chunk.count) {
            capture.append(chunk)
            peak = max(peak, capture.retainedByteCount)
        }
        #expect(peak <= 2 * OutputCapture.tailLimit + 28)
        let (_, tail) = capture.finish()
        #expect(tail.utf8.count == OutputCapture.tailLimit)
    }

    @Test("a tail cut through a multi-byte character drops the orphaned bytes")
    func tailCut() {
        var capture = OutputCapture(secrets: [])
        capture.append(Array(String(repeating: "é", count: 3000).utf8))
        let (_, tail) = capture.finish()
        #expect(!tail.contains("\u{FFFD}"))
        #expect(tail.utf8.count >= OutputCapture.tailLimit - 1)
    }

    @Test("any piece of a secret of four bytes or more is masked in a tail; shorter pieces are not")
    func fragmentsAreMasked() {
        let secret = "Zq9-wT4u-Lp2x-Hs7v"
        let redactor = SecretRedactor(secrets: [secret])
        let marker = String(decoding: SecretRedactor.marker, as: UTF8.self)
        func masked(_ text: String) -> String {
            String(decoding: redactor.maskingFragments(Array(text.utf8)), as: UTF8.self)
        }
        // Each half, the tail end of one and the head of the other, wherever it sits.
        #expect(masked("out: Zq9-wT4u") == "out: " + marker)
        #expect(masked("-Lp2x-Hs7v done") == marker + " done")
        #expect(masked("a wT4u-Lp b") == "a " + marker + " b")
        // Interleaved pieces each of four bytes or more are each masked.
        #expect(masked("Zq9-Lp2x") == marker)
        // Near misses: a three-byte piece, and text sharing no four bytes with it.
        #expect(masked("Zq9 and Hs7") == "Zq9 and Hs7")
        #expect(masked("ordinary output\n") == "ordinary output\n")
    }

    @Test("a secret split between stdout and stderr appears in neither published tail")
    func splitAcrossStreams() throws {
        let scratch = try ExecScratch()
        let secret = "s3cr3t-Vq81mX2k-9Qz"
        let script = try scratch.script(
            "split.sh",
            """
            printf 'head %s' "$(printf %s "$SECRET" | cut -c1-8)"
            printf '%s tail' "$(printf %s "$SECRET" | cut -c9-)" >&2
            """)
        var environment = ExecFixtures.environment
        environment["SECRET"] = secret
        let result = try Subprocess.run(
            try ExecFixtures.plan(
                scratch, ExecFixtures.executor(command: ["/bin/sh", script], secrets: ["SECRET"]),
                environment: environment))
        #expect(result.exitCode == 0)
        let first = String(secret.prefix(8))
        let second = String(secret.dropFirst(8))
        for tail in [result.stdoutTail, result.stderrTail] {
            #expect(!tail.contains(first) && !tail.contains(second), "\(tail)")
        }
        #expect(result.stdoutTail == "head [REDACTED]")
        #expect(result.stderrTail == "[REDACTED] tail")
    }

    @Test("a split secret reaches neither the outcome event, the run report nor the state dir")
    func splitSecretNeverLands() throws {
        let secret = "s3cr3t-" + UUID().uuidString
        let first = String(secret.prefix(8))
        let second = String(secret.dropFirst(8))
        let extra = """
            [executors.groom-backlog]
            command = ["/bin/sh", "-c", "printf %s \\"$DEPLOY_TOKEN\\" | cut -c1-8; printf %s \\"$DEPLOY_TOKEN\\" | cut -c9- >&2"]
            timeout = "1m"
            secrets = ["DEPLOY_TOKEN"]
            env_allowlist = ["PATH"]

            """
        let fixture = try DispatchFixture(executors: extra)
        defer { fixture.remove() }
        try fixture.sandbox.propose(
            try fixture.request("groom-backlog", "groom-split"), as: "agent-1@example.com")
        let report = try fixture.dispatcher(environment: ["PATH": "/usr/bin:/bin", "DEPLOY_TOKEN": secret])
            .poll()
        #expect(report.intents.first?.result == .succeeded)

        let repo = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let objects = try GitTestSupport.run(
            "/usr/bin/git", ["--git-dir", repo.path, "cat-file", "--batch-all-objects", "--batch"])
        #expect(objects.status == 0)
        #expect(objects.stdout.contains("succeeded"))
        #expect(!objects.stdout.contains(first) && !objects.stdout.contains(second))
        let state = fixture.directory.appendingPathComponent("state")
        let stateFiles =
            FileManager.default.enumerator(atPath: state.path)?.compactMap { $0 as? String } ?? []
        for file in stateFiles {
            let text = String(
                decoding: FileManager.default.contents(atPath: state.appendingPathComponent(file).path) ?? Data(),
                as: UTF8.self)
            #expect(!text.contains(first) && !text.contains(second), "state/\(file)")
        }
        let encoded = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!encoded.contains(first) && !encoded.contains(second))
    }
}
