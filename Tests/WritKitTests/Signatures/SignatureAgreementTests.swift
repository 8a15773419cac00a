import Crypto
import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// writ's in-process verifier against `ssh-keygen -Y verify` on a corpus of
/// valid and mutated signatures, built at test time.
@Suite struct SignatureAgreementTests {
    /// Where writ is deliberately stricter than the reference (docs/signatures.md).
    enum Difference: String, Sendable {
        case version0 = "SSHSIG version 0"
        case skWithoutUserPresence = "sk signature without user presence"
        case dataAfterArmor = "data after the armour end line"
        case malformedOtherLine = "a malformed allowed_signers line elsewhere"
    }

    struct Case: Sendable {
        let name: String
        let signature: [UInt8]
        let message: Data
        let principal: String
        let namespace: String
        let signers: String
        let difference: Difference?
    }

    struct Signer: Sendable {
        let label: String
        let principal: String
        let publicLine: String
        let keyPath: String?  // nil for the software sk key
    }

    static let namespace = "writ-approval"
    /// The verifier's clock for every case: 2030-06-15 12:00:00 UTC.
    static let clock = Date(timeIntervalSince1970: 1_907_755_200)
    static let clockText = "20300615120000Z"

    @Test func corpusAgreesWithSSHKeygen() async throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(AllowedSigners.parseTime(Self.clockText, timeZone: .current) == Self.clock)

        // Keys of every type the reference can make without hardware.
        var signers: [Signer] = []
        for (label, type, bits) in [
            ("ed25519", "ed25519", nil), ("p256", "ecdsa", 256), ("p384", "ecdsa", 384), ("p521", "ecdsa", 521),
            ("rsa2048", "rsa", 2048), ("rsa1024", "rsa", 1024),
        ] as [(String, String, Int?)] {
            let path = try SigTest.makeKey(dir, name: label, type: type, bits: bits)
            signers.append(
                Signer(
                    label: label, principal: "\(label)@example.com", publicLine: try SigTest.publicLine(path),
                    keyPath: path))
        }
        let outsider = try SigTest.makeKey(dir, name: "outsider", type: "ed25519")
        let outsiderLine = try SigTest.publicLine(outsider)

        // A software security key in the sk-ssh-ed25519 format.
        let sk = SoftwareSKKey(application: "ssh:writ")
        signers.append(Signer(label: "sk", principal: "sk@example.com", publicLine: sk.publicLine, keyPath: nil))

        let baseSigners = signers.map { "\($0.principal) \($0.publicLine)" }.joined(separator: "\n") + "\n"
        func signersReplacing(_ s: Signer, with line: String) -> String {
            signers.map { $0.label == s.label ? line : "\($0.principal) \($0.publicLine)" }.joined(separator: "\n")
                + "\n"
        }

        var messages: [Data] = [Data(), Data("schema = 1\nintent = \"x\"\n".utf8)]
        var rng = SeededRandom("signatureAgreementCorpus")
        messages.append(Data((0..<777).map { _ in UInt8.random(in: 0...255, using: &rng) }))

        var cases: [Case] = []
        for signer in signers {
            for (index, message) in messages.enumerated() {
                let hash: String? = index == 1 ? "sha256" : nil
                let armored: [UInt8]
                if let keyPath = signer.keyPath {
                    armored = try SigTest.refSign(key: keyPath, namespace: Self.namespace, message: message, hash: hash)
                } else {
                    armored = sk.sign(message: message, namespace: Self.namespace, flags: 0x01, hash: hash ?? "sha512")
                }
                let blob = try SigTest.blob(ofArmored: armored)
                let fields = try SigTest.Fields(blob: blob)
                let tag = "\(signer.label)/m\(index)"
                func add(
                    _ name: String, _ sig: [UInt8], message m: Data? = nil, principal: String? = nil,
                    namespace: String? = nil, signers text: String? = nil, _ difference: Difference? = nil
                ) {
                    cases.append(
                        Case(
                            name: "\(tag)/\(name)", signature: sig, message: m ?? message,
                            principal: principal ?? signer.principal, namespace: namespace ?? Self.namespace,
                            signers: text ?? baseSigners, difference: difference))
                }
                func with(_ change: (inout SigTest.Fields) -> Void) -> [UInt8] {
                    var f = fields
                    change(&f)
                    return SigTest.armor(f.blob)
                }

                add("valid", armored)
                var flipped = message
                if flipped.isEmpty {
                    flipped.append(0)
                } else {
                    flipped[flipped.startIndex + flipped.count / 2] ^= 0x01
                }
                add("message-flip", armored, message: flipped)
                add(
                    "sig-flip-end",
                    with { $0.signature[$0.signature.count - 1 - (signer.label == "sk" ? 5 : 0)] ^= 0x01 })
                add("sig-flip-mid", with { $0.signature[$0.signature.count / 2 + 3] ^= 0x80 })
                let randomIndex = Int.random(in: 0..<blob.count, using: &rng)
                var randomBlob = blob
                randomBlob[randomIndex] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                add("blob-flip-\(randomIndex)", SigTest.armor(randomBlob))
                add("key-flip", with { $0.key[$0.key.count - 1 - (signer.label == "sk" ? 9 : 0)] ^= 0x02 })
                add("wrong-namespace", armored, namespace: "writ-intent")
                add("signed-other-namespace", with { $0.namespace = Array("writ-intent".utf8) })
                add("wrong-principal", armored, principal: "mallory@example.com")
                add(
                    "key-not-listed", armored,
                    signers: signersReplacing(signer, with: "\(signer.principal) \(outsiderLine)"))
                add(
                    "listed-for-other", armored,
                    principal: signers[(signers.firstIndex { $0.label == signer.label }! + 1) % signers.count].principal
                )
                add(
                    "ns-excluded", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) namespaces=\"file,git\" \(signer.publicLine)"))
                add(
                    "ns-allowed", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) namespaces=\"file,\(Self.namespace)\" \(signer.publicLine)"))
                add(
                    "ns-pattern", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) Namespaces=\"writ-*\" \(signer.publicLine)"))
                add(
                    "ns-negated", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) namespaces=\"!writ-approval,*\" \(signer.publicLine)"))
                add(
                    "principal-pattern", armored,
                    signers: signersReplacing(signer, with: "*@example.com,!root@* \(signer.publicLine)"))
                add(
                    "principal-negated", armored,
                    signers: signersReplacing(signer, with: "!\(signer.label)*,*@example.com \(signer.publicLine)"))
                add(
                    "principal-quoted", armored,
                    signers: signersReplacing(signer, with: "\"other@x,\(signer.principal)\" \(signer.publicLine)"))
                add(
                    "window-past", armored,
                    signers: signersReplacing(
                        signer,
                        with:
                            "\(signer.principal) valid-after=\"20200101Z\",valid-before=\"20250101Z\" \(signer.publicLine)"
                    ))
                add(
                    "window-future", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) valid-after=\"20400101000000Z\" \(signer.publicLine)"))
                add(
                    "window-now", armored,
                    signers: signersReplacing(
                        signer,
                        with:
                            "\(signer.principal) valid-after=\"20300101\",valid-before=\"203012312359UTC\" \(signer.publicLine)"
                    ))
                add(
                    "window-edge", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) valid-before=\"\(Self.clockText)\" \(signer.publicLine)"))
                add(
                    "window-just-expired", armored,
                    signers: signersReplacing(
                        signer, with: "\(signer.principal) valid-before=\"20300615115959Z\" \(signer.publicLine)"))
                add("version-0", with { $0.version = 0 }, .version0)
                add("version-2", with { $0.version = 2 })
                add("trailing-bytes", with { $0.trailing = [0, 0, 0, 0] })
                add("reserved-nonempty", with { $0.reserved = [1, 2, 3] })
                add("hash-sha1", with { $0.hash = Array("sha1".utf8) })
                add("hash-unknown", with { $0.hash = Array("sha3-256".utf8) })
                add("hash-swapped", with { $0.hash = Array((hash == "sha256" ? "sha512" : "sha256").utf8) })
                add("empty-namespace-in-sig", with { $0.namespace = [] })
                var truncated = armored
                truncated.removeSubrange((truncated.count - 40)..<(truncated.count - 29))
                add("armor-truncated", truncated)
                add("armor-body-cut", Array(armored.prefix(armored.count / 2)))
                add("armor-wrap-64", SigTest.armor(blob, width: 64))
                add("armor-one-line", SigTest.armor(blob, width: 10_000))
                add("armor-no-final-newline", Array(armored.dropLast()))
                add(
                    "armor-crlf",
                    Array(String(decoding: armored, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8))
                add("armor-garbage-after", armored + Array("junk\n".utf8), .dataAfterArmor)
                add(
                    "armor-bad-begin",
                    Array(
                        String(decoding: armored, as: UTF8.self).replacingOccurrences(
                            of: "BEGIN SSH", with: "BEGIN  SSH"
                        ).utf8))
                add(
                    "bad-line-elsewhere", armored, signers: baseSigners + "broken@example.com ssh-ed25519 !!!\n",
                    .malformedOtherLine)
                if signer.label.hasPrefix("rsa") {
                    add(
                        "rsa-sha1",
                        with { f in
                            var r = SSHWireReader(f.signature)
                            _ = try? r.readString()
                            var w = SSHWireWriter()
                            w.writeString("ssh-rsa")
                            w.writeString((try? r.readString()) ?? [])
                            f.signature = w.bytes
                        })
                    add(
                        "rsa-alg-swapped",
                        with { f in
                            var r = SSHWireReader(f.signature)
                            let alg = (try? r.readText()) ?? ""
                            var w = SSHWireWriter()
                            w.writeString(alg == "rsa-sha2-512" ? "rsa-sha2-256" : "rsa-sha2-512")
                            w.writeString((try? r.readString()) ?? [])
                            f.signature = w.bytes
                        })
                    // One key in two encodings is one key, to both verifiers.
                    add(
                        "rsa-noncanonical-e",
                        with { f in
                            var r = SSHWireReader(f.key)
                            _ = try? r.readString()
                            let e = (try? r.readString()) ?? []
                            let n = (try? r.readString()) ?? []
                            var w = SSHWireWriter()
                            w.writeString("ssh-rsa")
                            w.writeString([0] + e)
                            w.writeString(n)
                            f.key = w.bytes
                        })
                }
                if signer.label == "sk" {
                    let h = hash ?? "sha512"
                    add(
                        "sk-no-user-presence",
                        sk.sign(message: message, namespace: Self.namespace, flags: 0x00, hash: h),
                        .skWithoutUserPresence)
                    add(
                        "sk-presence-and-verified",
                        sk.sign(message: message, namespace: Self.namespace, flags: 0x05, hash: h))
                    add("sk-flags-forged", with { $0.signature[$0.signature.count - 5] = 0x05 })
                    add("sk-counter-changed", with { $0.signature[$0.signature.count - 1] ^= 0x01 })
                    add(
                        "sk-other-application",
                        sk.sign(
                            message: message, namespace: Self.namespace, flags: 0x01, hash: h,
                            applicationInSignature: "ssh:other"))
                }
            }
        }
        #expect(cases.count >= 500, "corpus has \(cases.count) cases")

        // Run both verifiers; the reference in parallel lanes.
        let verdicts = Verdicts(count: cases.count)
        // The command line, `writ sig verify`, is checked on every case too.
        let cliVerdicts = Verdicts(count: cases.count)
        let lanes = DispatchSemaphore(value: 6)
        let group = DispatchGroup()
        for (index, item) in cases.enumerated() {
            let caseDir = dir.appendingPathComponent("case-\(index)")
            try FileManager.default.createDirectory(at: caseDir, withIntermediateDirectories: true)
            await lanes.waitOffPool()
            DispatchQueue.global().async(group: group) {
                defer { lanes.signal() }
                let ref =
                    (try? SigTest.refVerify(
                        dir: caseDir, signature: item.signature, message: item.message, principal: item.principal,
                        namespace: item.namespace, signers: item.signers, verifyTime: Self.clockText)) ?? false
                verdicts.set(index, ref)
                let messageFile = caseDir.appendingPathComponent("message")
                let cli = (try? item.message.write(to: messageFile)).flatMap {
                    try? CLI.runArgs([
                        "sig", "verify", "--signers", caseDir.appendingPathComponent("signers").path,
                        "--principal", item.principal, "--namespace", item.namespace,
                        "--signature", caseDir.appendingPathComponent("sig").path,
                        "--verify-time", Self.clockText, messageFile.path,
                    ])
                }
                cliVerdicts.set(index, cli?.status == 0)
            }
        }
        var writVerdicts: [Bool] = []
        for item in cases {
            writVerdicts.append(Self.writVerdict(item))
        }
        await group.waitOffPool()

        var accepted = 0
        var differences: [Difference: Int] = [:]
        for (index, item) in cases.enumerated() {
            let ref = verdicts.get(index)
            let writ = writVerdicts[index]
            #expect(cliVerdicts.get(index) == writ, "\(item.name): writ sig verify disagrees with the library")
            if writ { accepted += 1 }
            if let difference = item.difference {
                // writ is stricter here by design: it must reject, and the
                // reference must accept (or the case proves nothing).
                #expect(!writ, "\(item.name): writ accepted a case it should reject (\(difference.rawValue))")
                #expect(ref, "\(item.name): reference rejected; the documented difference is not exercised")
                differences[difference, default: 0] += 1
            } else {
                #expect(
                    writ == ref,
                    "\(item.name): writ \(writ ? "accepts" : "rejects"), ssh-keygen \(ref ? "accepts" : "rejects")")
            }
        }
        #expect(accepted >= 100, "only \(accepted) accepted cases; the corpus is degenerate")
        print(
            "signature corpus: \(cases.count) cases, writ accepted \(accepted), intended differences \(differences.values.reduce(0, +))"
        )
        #expect(differences.count == 4)
    }

    static func writVerdict(_ item: Case) -> Bool {
        guard let signers = try? AllowedSigners(parsing: item.signers) else { return false }
        do {
            _ = try SignatureVerifier.verify(
                armored: item.signature, message: item.message, principal: item.principal, namespace: item.namespace,
                allowedSigners: signers, at: clock)
            return true
        } catch {
            return false
        }
    }

    final class Verdicts: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Bool]
        init(count: Int) { values = Array(repeating: false, count: count) }
        func set(_ i: Int, _ v: Bool) { lock.withLock { values[i] = v } }
        func get(_ i: Int) -> Bool { lock.withLock { values[i] } }
    }
}

/// A FIDO-style ed25519 key simulated in software, producing signatures in
/// the sk-ssh-ed25519@openssh.com format.
struct SoftwareSKKey {
    let key = Curve25519.Signing.PrivateKey()
    let application: String

    var blob: [UInt8] {
        var w = SSHWireWriter()
        w.writeString(SSHKeyType.skEd25519.rawValue)
        w.writeString(Array(key.publicKey.rawRepresentation))
        w.writeString(application)
        return w.bytes
    }

    var publicLine: String { SSHKeyType.skEd25519.rawValue + " " + SSHBase64.encode(blob) }

    func sign(
        message: Data, namespace: String, flags: UInt8, hash: String, counter: UInt32 = 7,
        applicationInSignature: String? = nil
    ) -> [UInt8] {
        let h = SSHSignatureHash(rawValue: hash) ?? .sha512
        let data = SSHSignature.signedData(namespace: namespace, hash: h, message: message)
        var signed = SSHWireWriter()
        signed.writeBytes(SHA256.hash(data: Array((applicationInSignature ?? application).utf8)))
        signed.writeByte(flags)
        signed.writeUInt32(counter)
        signed.writeBytes(SHA256.hash(data: data))
        let raw = Array((try? key.signature(for: signed.bytes)) ?? Data())
        var sig = SSHWireWriter()
        sig.writeString(SSHKeyType.skEd25519.rawValue)
        sig.writeString(raw)
        sig.writeByte(flags)
        sig.writeUInt32(counter)
        return SigTest.armor(SigTest.Fields(key: blob, namespace: namespace, hash: hash, signature: sig.bytes).blob)
    }
}
