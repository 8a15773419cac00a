import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The staging backend's C side: staged objects found by id through its
/// hash table however many there are, objects over its size limit refused
/// with an error Swift throws, indexes past the staged objects refused.
@Suite struct ObjectStageLookupTests {
    typealias S = GitTestSupport

    /// Twenty thousand objects staged and read back, each by id: every
    /// lookup finds its own object (the table doubles many times on the
    /// way), ids never staged are not found, and a reset forgets them all.
    @Test func manyStagedObjectsAreEachFoundByID() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let stage = try ObjectStage(over: repo)
        let staged = stage.repository
        let count = 20_000
        let clock = ContinuousClock()
        var ids: [ObjectID] = []
        ids.reserveCapacity(count)
        let writing = try clock.measure {
            for index in 0..<count { ids.append(try staged.writeBlob(Data("object \(index)\n".utf8))) }
        }
        #expect(stage.stagedCount == count)
        #expect(Set(ids).count == count)
        var mismatches = 0
        let reading = try clock.measure {
            for (index, id) in ids.enumerated() where try staged.blob(id) != Data("object \(index)\n".utf8) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(ids.allSatisfy { stage.holds($0) })
        // Ids of blobs written to another repository only.
        let other = try Repository.create(at: dir.appendingPathComponent("other").path, bare: true)
        let absent = try (0..<100).map { try other.writeBlob(Data("never staged \($0)\n".utf8)) }
        #expect(!absent.contains { stage.holds($0) })
        #expect(try !absent.contains { try staged.objectExists($0) })
        // Writing an object again stages nothing new.
        _ = try staged.writeBlob(Data("object 7\n".utf8))
        #expect(stage.stagedCount == count)
        // Every object comes back by index too, in the order written.
        for index in [0, 1, count / 2, count - 1] { #expect(try stage.stagedObject(at: index).id == ids[index]) }
        print("ObjectStageLookupTests: staged \(count) objects in \(writing), read them back by id in \(reading)")

        stage.discard()
        #expect(stage.stagedCount == 0)
        #expect(!stage.holds(ids[0]) && !stage.holds(ids[count - 1]))
        let again = try staged.writeBlob(Data("after the reset\n".utf8))
        #expect(stage.holds(again) && stage.stagedCount == 1)
        #expect(try staged.blob(again) == Data("after the reset\n".utf8))
    }

    /// An object over the stage's limit is refused before it is staged,
    /// through libgit2's write (and the stream it falls back to), with an
    /// error naming both sizes; one at the limit is staged.
    @Test func anObjectOverTheLimitIsRefusedWithAnError() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let stage = try ObjectStage(over: repo, maximumObjectBytes: 1_000)
        #expect(throws: Never.self) { try stage.repository.writeBlob(Data(repeating: 0x61, count: 1_000)) }
        #expect(stage.stagedCount == 1)
        do {
            _ = try stage.repository.writeBlob(Data(repeating: 0x62, count: 1_001))
            Issue.record("an object over the limit was staged")
        } catch {
            #expect(error.code == .objectTooLarge)
            #expect(error.message == "staging backend: an object of 1001 bytes is over the 1000 bytes one may hold")
        }
        #expect(stage.stagedCount == 1)
        // Through the tree builder as a commit is built: the same refusal.
        do {
            _ = try stage.repository.insert(["audit/big.bin": Data(count: 4_096)], into: nil)
            Issue.record("an object over the limit was staged")
        } catch let error as GitError {
            #expect(error.code == .objectTooLarge)
        }
        #expect(stage.stagedCount == 1)
    }

    /// The size every write is checked against: what 32 bits hold, never
    /// more, whatever limit the stage was asked for; declared sizes past
    /// 4 GiB are refused without any such object existing.
    @Test func noStagedObjectMayExceedThirtyTwoBits() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        #expect(ObjectStage.maximumObjectBytes == UInt64(UInt32.max))
        for stage in [try ObjectStage(over: repo), try ObjectStage(over: repo, maximumObjectBytes: .max)] {
            #expect(throws: Never.self) { try stage.checkSize(0) }
            #expect(throws: Never.self) { try stage.checkSize(UInt64(UInt32.max)) }
            for bytes in [UInt64(UInt32.max) + 1, 5 << 30, .max] {
                do {
                    try stage.checkSize(bytes)
                    Issue.record("\(bytes) bytes were admitted")
                } catch {
                    #expect(error.code == .objectTooLarge)
                    #expect(
                        error.message
                            == "staging backend: an object of \(bytes) bytes is over the 4294967295 bytes one may hold")
                }
            }
        }
    }

    /// Reading a staged object by index is bounds-checked on the C side: an
    /// index past the end, or a negative one (a huge size_t there), throws.
    @Test func anIndexPastTheStagedObjectsIsRefused() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let stage = try ObjectStage(over: repo)
        let id = try stage.repository.writeBlob(Data("one\n".utf8))
        let object = try stage.stagedObject(at: 0)
        #expect(object.id == id && object.type == 3 && Data(object.bytes) == Data("one\n".utf8))
        for index in [1, 2, Int.max, -1] {
            do {
                _ = try stage.stagedObject(at: index)
                Issue.record("index \(index) was read")
            } catch {
                #expect(error.code == .indexOutOfRange)
                #expect(error.message.hasPrefix("staging backend: no object at index "))
            }
        }
    }
}
