// Tree entries: raw bytes stored as a tree object and read through
// `Repository.tree`, the path every tree writ reads takes (libgit2's parser,
// then `TreeIntegrity`). A reference reader in this file parses the bytes
// as git does (`decode_tree_entry`: octal digits, a space, a name up to
// NUL, a 20-byte id) and applies the rules TreeIntegrity documents; the two
// must agree on acceptance, and on every entry of an accepted tree.
import CFuzzGit2
import Foundation
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

/// A bare repository whose object database writes into memory first.
struct Fixture {
    let repository: Repository
    let odb: OpaquePointer
    let memory: UnsafeMutablePointer<git_odb_backend>

    nonisolated(unsafe) static let shared: Fixture = {
        let path = NSTemporaryDirectory() + "writ-fuzz-tree-\(getpid())"
        guard let repository = try? Repository.create(at: path, bare: true) else {
            fuzzFailure("cannot create \(path)")
        }
        var odb: OpaquePointer?
        var memory: UnsafeMutablePointer<git_odb_backend>?
        guard git_repository_odb(&odb, repository.raw) == 0, let odb, git_mempack_new(&memory) == 0, let memory,
            git_odb_add_backend(odb, memory, 1000) == 0
        else { fuzzFailure("cannot set up the in-memory object database") }
        return Fixture(repository: repository, odb: odb, memory: memory)
    }()
}

nonisolated(unsafe) var written = 0

struct ReferenceEntry: Equatable {
    let name: [UInt8]
    let mode: UInt32
    let id: [UInt8]
}

/// The entries git reads from `bytes`, or nil when git cannot read them.
func gitEntries(_ bytes: [UInt8]) -> [ReferenceEntry]? {
    var entries: [ReferenceEntry] = []
    var index = 0
    while index < bytes.count {
        guard bytes[index] != UInt8(ascii: " ") else { return nil }
        var mode: UInt32 = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: " ") {
            let digit = bytes[index]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7"), mode < 0o1_000_000 else { return nil }
            mode = mode << 3 + UInt32(digit - UInt8(ascii: "0"))
            index += 1
        }
        index += 1
        guard index < bytes.count, let nul = bytes[index...].firstIndex(of: 0) else { return nil }
        let name = Array(bytes[index..<nul])
        guard nul + 21 <= bytes.count else { return nil }
        entries.append(ReferenceEntry(name: name, mode: mode, id: Array(bytes[(nul + 1)..<(nul + 21)])))
        index = nul + 21
    }
    return entries
}

let standardModes: Set<UInt32> = [0o100644, 0o100755, 0o120000, 0o040000, 0o160000]

func validName(_ name: [UInt8]) -> Bool {
    !name.isEmpty && name != Array(".".utf8) && name != Array("..".utf8)
        && !(name.count == 4 && name.map { $0 | 0x20 } == Array(".git".utf8)) && !name.contains(UInt8(ascii: "/"))
}

/// git's `base_name_compare` < 0.
func precedes(_ a: ReferenceEntry, _ b: ReferenceEntry) -> Bool {
    let common = min(a.name.count, b.name.count)
    for index in 0..<common where a.name[index] != b.name[index] { return a.name[index] < b.name[index] }
    let slash = UInt16(UInt8(ascii: "/"))
    let nextA: UInt16 = a.name.count > common ? UInt16(a.name[common]) : (a.mode == 0o040000 ? slash : 0)
    let nextB: UInt16 = b.name.count > common ? UInt16(b.name[common]) : (b.mode == 0o040000 ? slash : 0)
    return nextA < nextB
}

/// The entries when the TreeIntegrity rules accept them, else nil.
func referenceAccepts(_ bytes: [UInt8]) -> [ReferenceEntry]? {
    guard let entries = gitEntries(bytes) else { return nil }
    var fileNames: Set<[UInt8]> = []
    for (position, entry) in entries.enumerated() {
        guard validName(entry.name), standardModes.contains(entry.mode) else { return nil }
        if position > 0 {
            let previous = entries[position - 1]
            guard previous.name != entry.name, precedes(previous, entry) else { return nil }
        }
        if entry.mode == 0o040000 {
            guard !fileNames.contains(entry.name) else { return nil }
        } else {
            fileNames.insert(entry.name)
        }
    }
    return entries
}

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let fixture = Fixture.shared
    written += 1
    if written % 10_000 == 0 { git_mempack_reset(fixture.memory) }
    var oid = git_oid()
    // An empty tree is a tree; libgit2 gets a valid pointer for it too.
    let start = data.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)
    guard git_odb_write(&oid, fixture.odb, start, data.count, GIT_OBJECT_TREE) == 0 else {
        fuzzFailure("cannot write a tree object")
    }
    guard let id = withUnsafeBytes(of: oid.id, { ObjectID(bytes: $0.prefix(20)) }) else { fuzzFailure("bad id") }
    let bytes = Array(data)
    let expected = referenceAccepts(bytes)
    let entries = try? fixture.repository.tree(id)
    guard let entries else {
        fuzzCheck(expected == nil, "writ refuses a tree git reads and TreeIntegrity's rules accept")
        return
    }
    guard let expected else { fuzzFailure("writ accepts a tree that git or TreeIntegrity's rules refuse") }
    fuzzCheck(entries.count == expected.count, "writ reads \(entries.count) entries, git \(expected.count)")
    for (entry, reference) in zip(entries, expected) {
        fuzzCheck(entry.name == String(decoding: reference.name, as: UTF8.self), "entry name differs")
        fuzzCheck(entry.mode == reference.mode, "entry mode differs")
        fuzzCheck(Array(entry.id.bytes) == reference.id, "entry id differs")
        fuzzCheck(TreePath.isValidComponent(entry.name), "an accepted name is not a valid path component")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
