import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The verification cache remembers cryptographic successes only: trust is
/// decided afresh on every use, failures are never remembered, and a cache
/// file that is not this user's private file is ignored.
struct VerificationCacheTests {
    /// A fresh key, a message and its signature, unknown to the cache.
    struct Signed {
        let key = SSHEd25519PrivateKey.generate()
        let message = Data("intent \(UUID().uuidString)\n".utf8)
        let namespace = "writ-intent"
        var armored: [UInt8] { Array(((try? key.sign(message: message, namespace: namespace)) ?? "").utf8) }

        func cacheKey(_ armored: [UInt8]) throws -> VerificationCache.Key {
            let signature = try SSHSignature(armored: armored)
            return VerificationCache.key(
                blob: signature.blob,
                signedData: SSHSignature.signedData(namespace: namespace, hash: signature.hash, message: message))
        }

        func signers(_ options: String = "") throws -> AllowedSigners {
            try AllowedSigners(parsing: "agent@example.com \(options)\(key.publicKey.openSSHLine)\n")
        }
    }

    private func temporaryDirectory() throws -> URL {
        try Scratch.make("cache")
    }

    @Test func aValidSignatureIsRememberedAndAForgedOneIsNot() throws {
        let signed = Signed()
        let armored = signed.armored
        let key = try signed.cacheKey(armored)
        let cache = VerificationCache()
        #expect(!cache.contains(key))
        _ = try SignatureVerifier.verify(
            armored: armored, message: signed.message, principal: "agent@example.com", namespace: signed.namespace,
            allowedSigners: try signed.signers(), at: Date(), cache: cache)
        #expect(cache.contains(key))

        // The same signature over another message is another entry, and fails.
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: armored, message: Data("another message\n".utf8), principal: "agent@example.com",
                namespace: signed.namespace, allowedSigners: try signed.signers(), at: Date(), cache: cache)
        }
        // A signature with one byte of its signature changed fails, every time.
        var text = String(decoding: armored, as: UTF8.self)
        let lines = text.split(separator: "\n")
        let body = lines[lines.count - 2]
        // A character in the body's first four keeps the base64 valid
        // (no padding bits) and changes one signature byte.
        let at = body.index(body.startIndex, offsetBy: 4)
        let flipped = String(body[..<at]) + (body[at] == "A" ? "B" : "A") + String(body[body.index(after: at)...])
        text = text.replacingOccurrences(of: String(body), with: flipped)
        for _ in 0..<2 {
            #expect(throws: SignatureFailure.self) {
                _ = try SignatureVerifier.verify(
                    armored: Array(text.utf8), message: signed.message, principal: "agent@example.com",
                    namespace: signed.namespace, allowedSigners: try signed.signers(), at: Date(), cache: cache)
            }
        }
        #expect(!cache.contains(try signed.cacheKey(Array(text.utf8))))
        #expect(cache.count == 1)
    }

    /// A cache is a value its owner passes in: two verifiers with caches of
    /// their own share nothing, a verification records its success only in
    /// the cache it was given, and one given none records it nowhere.
    @Test func separateCachesShareNoEntries() throws {
        let first = Signed()
        let second = Signed()
        let (one, two) = (VerificationCache(), VerificationCache())
        _ = try SignatureVerifier.verify(
            armored: first.armored, message: first.message, principal: "agent@example.com",
            namespace: first.namespace, allowedSigners: try first.signers(), at: Date(), cache: one)
        #expect(one.contains(try first.cacheKey(first.armored)))
        #expect(!two.contains(try first.cacheKey(first.armored)))

        _ = try SignatureVerifier.signers(
            armored: second.armored, message: second.message, namespace: second.namespace,
            allowedSigners: try second.signers(), at: Date(), cache: two)
        #expect(two.contains(try second.cacheKey(second.armored)))
        #expect(!one.contains(try second.cacheKey(second.armored)))
        #expect((one.count, two.count) == (1, 1))

        // Without a cache, nothing is remembered anywhere.
        let third = Signed()
        _ = try SignatureVerifier.verify(
            armored: third.armored, message: third.message, principal: "agent@example.com",
            namespace: third.namespace, allowedSigners: try third.signers(), at: Date())
        #expect(!one.contains(try third.cacheKey(third.armored)))
        #expect(!two.contains(try third.cacheKey(third.armored)))
        #expect((one.count, two.count) == (1, 1))
    }

    /// An entry in the cache a verification is given answers its
    /// cryptographic step: a key put there by hand makes a signature over
    /// another message pass that step (what a poisoned cache would do, and
    /// why the file is trusted only as this user's own), while the same
    /// verification with another cache, or none, still refuses it.
    @Test func theVerifierConsultsOnlyTheCacheItIsGiven() throws {
        let signed = Signed()
        let armored = signed.armored
        let other = Data("another message\n".utf8)
        let signature = try SSHSignature(armored: armored)
        let poisoned = VerificationCache()
        poisoned.insert(
            VerificationCache.key(
                blob: signature.blob,
                signedData: SSHSignature.signedData(namespace: signed.namespace, hash: signature.hash, message: other)))
        _ = try SignatureVerifier.verify(
            armored: armored, message: other, principal: "agent@example.com", namespace: signed.namespace,
            allowedSigners: try signed.signers(), at: Date(), cache: poisoned)
        for cache in [VerificationCache(), nil] {
            #expect(throws: SignatureFailure.self) {
                _ = try SignatureVerifier.verify(
                    armored: armored, message: other, principal: "agent@example.com", namespace: signed.namespace,
                    allowedSigners: try signed.signers(), at: Date(), cache: cache)
            }
        }
    }

    @Test func trustIsDecidedAfreshOnEveryUse() throws {
        let signed = Signed()
        let armored = signed.armored
        let cache = VerificationCache()
        _ = try SignatureVerifier.verify(
            armored: armored, message: signed.message, principal: "agent@example.com", namespace: signed.namespace,
            allowedSigners: try signed.signers(), at: Date(), cache: cache)
        #expect(cache.contains(try signed.cacheKey(armored)))

        // Known valid, but the key is no longer listed, or not for this
        // principal, or expired, or not for this namespace: each refused.
        let other = SSHEd25519PrivateKey.generate()
        let unlisted = try AllowedSigners(parsing: "agent@example.com \(other.publicKey.openSSHLine)\n")
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: armored, message: signed.message, principal: "agent@example.com",
                namespace: signed.namespace, allowedSigners: unlisted, at: Date(), cache: cache)
        }
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: armored, message: signed.message, principal: "mallory@example.com",
                namespace: signed.namespace, allowedSigners: try signed.signers(), at: Date(), cache: cache)
        }
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: armored, message: signed.message, principal: "agent@example.com",
                namespace: signed.namespace, allowedSigners: try signed.signers("valid-before=\"20200101\" "),
                at: Date(), cache: cache)
        }
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: armored, message: signed.message, principal: "agent@example.com",
                namespace: signed.namespace, allowedSigners: try signed.signers("namespaces=\"git\" "), at: Date(),
                cache: cache)
        }
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: armored, message: signed.message, principal: "agent@example.com", namespace: "writ-approval",
                allowedSigners: try signed.signers(), at: Date(), cache: cache)
        }
    }

    /// The reading commands attach the cache without reading it: the file
    /// is read at the first lookup, as it stood then, and its keys count
    /// from there on (a status answered from its snapshot never reads it).
    @Test func aCacheLoadedWhenNeededIsReadAtTheFirstLookup() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("writ/verified")
        let keys = (0..<4).map { n in VerificationCache.Key(Array(repeating: UInt8(n + 1), count: 32)) }
        let writer = VerificationCache()
        writer.insert(keys[0])
        writer.save(to: file)

        let reader = VerificationCache()
        reader.loadWhenNeeded(from: file)
        // Written after the attach, before the first lookup: still read.
        writer.insert(keys[1])
        writer.save(to: file)
        #expect(reader.contains(keys[0]) && reader.contains(keys[1]))
        #expect(reader.count == 2)
        // Read once: what is written later is not read again, and a second attach reads nothing.
        writer.insert(keys[2])
        writer.save(to: file)
        reader.loadWhenNeeded(from: file)
        #expect(!reader.contains(keys[2]))
        // A save appends what the reader learnt, not what it read.
        reader.insert(keys[3])
        reader.save(to: file)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(size == VerificationCache.header.count + 4 * 32)
        // The bytes read back as the same keys.
        let all = VerificationCache()
        #expect(all.load(from: file) == 4)
        #expect(keys.allSatisfy(all.contains))
    }

    @Test func theFileRoundTripsAndAnUntrustworthyOneIsIgnored() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("writ/verified")
        let writer = VerificationCache()
        let keys = (0..<3).map { n in VerificationCache.Key(Array(repeating: UInt8(n + 1), count: 32)) }
        for key in keys { writer.insert(key) }
        writer.save(to: file)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: file.deletingLastPathComponent().path)
        #expect((folder[.posixPermissions] as? Int) == 0o700)

        let reader = VerificationCache()
        #expect(reader.load(from: file) == 3)
        #expect(keys.allSatisfy(reader.contains))
        // Loaded once per process: a second load reads nothing.
        #expect(reader.load(from: file) == 0)

        // A save appends only what is new.
        let more = VerificationCache.Key(Array(repeating: 9, count: 32))
        reader.insert(more)
        reader.save(to: file)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(size == VerificationCache.header.count + 4 * 32)

        // A torn last record is dropped; the whole ones are kept.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        let torn = VerificationCache()
        #expect(torn.load(from: file) == 4)
        #expect(torn.contains(more))

        // Writable by others: ignored.
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: file.path)
        let shared = VerificationCache()
        #expect(shared.load(from: file) == 0)
        #expect(!shared.contains(keys[0]))
        // ... and replaced, private again, by the next save.
        shared.insert(more)
        shared.save(to: file)
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)

        // A file that does not start with the header: ignored.
        try Data(Array(repeating: 1, count: 64)).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(VerificationCache().load(from: file) == 0)
        // A symlink in its place: ignored.
        try FileManager.default.removeItem(at: file)
        let target = directory.appendingPathComponent("elsewhere")
        writer.insert(VerificationCache.Key(Array(repeating: 7, count: 32)))
        writer.save(to: target)
        try FileManager.default.createSymbolicLink(at: file, withDestinationURL: target)
        #expect(VerificationCache().load(from: file) == 0)
    }

    /// The file is judged by its open descriptor in a folder nobody else
    /// can write: in a `writ/` folder others may write (where another user
    /// could swap the file between a check and a read), or one reached
    /// through a symlink, a private file is neither read nor written (the
    /// status snapshot is read through the same `StateFiles.mapPrivate`).
    @Test func aFolderOthersCanWriteIsNeitherReadNorWritten() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("writ/verified")
        let key = VerificationCache.Key(Array(repeating: 5, count: 32))
        let writer = VerificationCache()
        writer.insert(key)
        writer.save(to: file)
        #expect(VerificationCache().load(from: file) == 1)

        let folder = file.deletingLastPathComponent()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
        #expect(VerificationCache().load(from: file) == 0, "a shared folder's file is not read")
        let before = try Data(contentsOf: file)
        let other = VerificationCache()
        other.insert(VerificationCache.Key(Array(repeating: 6, count: 32)))
        other.save(to: file)
        #expect(try Data(contentsOf: file) == before, "nothing is written into a shared folder")

        // A private folder reached through a symlink: not this folder.
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        let linked = directory.appendingPathComponent("linked")
        try FileManager.default.createSymbolicLink(at: linked, withDestinationURL: folder)
        #expect(VerificationCache().load(from: linked.appendingPathComponent("verified")) == 0)
        #expect(VerificationCache().load(from: file) == 1)
    }

    /// A forged signature whose key a group-writable cache file lists is
    /// still refused: such a file is never read.
    @Test func aPoisonedSharedFileCannotMakeAForgedSignatureCount() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let signed = Signed()
        let forger = SSHEd25519PrivateKey.generate()
        // A signature by another key, over the message, presented under the listed key's name.
        let forged = Array(try forger.sign(message: signed.message, namespace: signed.namespace).utf8)
        let file = directory.appendingPathComponent("verified")
        var bytes = VerificationCache.header
        bytes += try signed.cacheKey(forged).bytes
        try Data(bytes).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: file.path)
        let cache = VerificationCache()
        #expect(cache.load(from: file) == 0)
        #expect(!cache.contains(try signed.cacheKey(forged)))
        #expect(throws: SignatureFailure.self) {
            _ = try SignatureVerifier.verify(
                armored: forged, message: signed.message, principal: "agent@example.com",
                namespace: signed.namespace, allowedSigners: try signed.signers(), at: Date(), cache: cache)
        }
    }

    @Test func verifyingInParallelRemembersExactlyTheValidOnes() throws {
        let signed = (0..<200).map { _ in Signed() }
        let armored = signed.map(\.armored)
        var pending = zip(signed, armored).map {
            PendingSignature(armored: Data($1), message: $0.message, namespace: $0.namespace)
        }
        // Every tenth over the wrong message.
        for index in stride(from: 0, to: pending.count, by: 10) {
            pending[index] = PendingSignature(
                armored: pending[index].armored, message: Data("tampered\n".utf8), namespace: pending[index].namespace)
        }
        let cache = VerificationCache()
        cache.verifyInParallel(pending)
        for (index, item) in signed.enumerated() {
            #expect(cache.contains(try item.cacheKey(armored[index])) == (index % 10 != 0))
        }
    }
}
