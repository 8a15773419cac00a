internal import Clibgit2
import Foundation
import WritCore

/// The checks `git fsck` makes on one tree object, made by writ on every
/// tree it reads before trusting any entry of it.
///
/// libgit2 parses a tree without these checks, and its by-name lookup is a
/// binary search: in a tree holding two entries of the same name it finds
/// the second, where stock git finds the first. What approvers read with git
/// and what writ acts on must be the same bytes, so a tree git would refuse
/// is refused here, once per reader, with `GitUsageError.malformedTree`.
enum TreeIntegrity {
    /// The deepest nesting of trees below a root that writ reads (the ledger
    /// needs four). Walks are iterative, and a deeper tree is refused rather
    /// than followed: a 40,000-level tree is cheap to push and must not cost
    /// a reader its stack.
    static let maximumDepth = 64

    /// The file modes git writes; anything else is refused (libgit2 would
    /// silently normalise it to one of these).
    private static let standardModes: Set<UInt32> = [
        GIT_FILEMODE_BLOB.rawValue, GIT_FILEMODE_BLOB_EXECUTABLE.rawValue, GIT_FILEMODE_LINK.rawValue,
        GIT_FILEMODE_TREE.rawValue, GIT_FILEMODE_COMMIT.rawValue,
    ]

    /// Throws when the parsed tree `tree` (id `id`, raw bytes `raw`) has an
    /// entry whose mode is not written in octal digits alone; an entry name
    /// that is empty, `.`, `..`, `.git` in any case or holds `/`; a
    /// non-standard mode; two entries of the same name; or entries out of
    /// git's order (names compared bytewise, a directory's name as if it
    /// ended in `/`). One linear pass over the entries.
    package static func check(_ tree: OpaquePointer, id: ObjectID, raw: UnsafeRawBufferPointer) throws(GitUsageError) {
        func refuse(_ problem: String) -> GitUsageError { .malformedTree(tree: id, problem: problem) }
        if let problem = modeTextProblem(raw) { throw refuse(problem) }
        var previous: (name: UnsafeBufferPointer<UInt8>, isTree: Bool)?
        // A file and a directory of the same name need not be adjacent
        // (`a`, `a.c`, `a/` is git's order), so file names are remembered
        // for the directories that follow.
        var fileNames: Set<[UInt8]> = []
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index), let cName = git_tree_entry_name(entry) else {
                throw refuse("entry \(index) is unreadable")
            }
            let name = UnsafeBufferPointer(
                start: UnsafeRawPointer(cName).assumingMemoryBound(to: UInt8.self), count: strlen(cName))
            let printable = String(decoding: name, as: UTF8.self)
            guard isValidName(name) else { throw refuse("entry name \"\(printable)\" is not a valid path component") }
            let mode = git_tree_entry_filemode_raw(entry).rawValue
            guard standardModes.contains(mode) else {
                throw refuse("entry \"\(printable)\" has the non-standard mode \(String(mode, radix: 8))")
            }
            let isTree = mode == GIT_FILEMODE_TREE.rawValue
            if let previous {
                if previous.name.elementsEqual(name) { throw refuse("duplicate entry \"\(printable)\"") }
                guard precedes(previous.name, previous.isTree, name, isTree) else {
                    throw refuse("entry \"\(printable)\" is out of git's tree order")
                }
            }
            if isTree {
                if !fileNames.isEmpty, fileNames.contains(Array(name)) {
                    throw refuse("duplicate entry \"\(printable)\"")
                }
            } else {
                fileNames.insert(Array(name))
            }
            previous = (name, isTree)
        }
    }

    /// Why the modes in the raw tree `raw` are not what git reads, or nil.
    ///
    /// git reads a mode as octal digits up to the space; libgit2 reads it
    /// with `strtol`, which also takes a leading `+`, so `+100644 a` is an
    /// ordinary file to libgit2 and a tree that git cannot parse at all
    /// ("malformed mode in tree entry"). Only the mode text needs checking
    /// here: libgit2 has already refused every other tree git cannot parse.
    static func modeTextProblem(_ raw: UnsafeRawBufferPointer) -> String? {
        let space = UInt8(ascii: " ")
        var index = 0
        var entry = 0
        while index < raw.count {
            let start = index
            while index < raw.count, raw[index] != space {
                guard raw[index] >= UInt8(ascii: "0"), raw[index] <= UInt8(ascii: "7") else {
                    return "entry \(entry) has a mode that is not octal digits"
                }
                index += 1
            }
            guard index > start else { return "entry \(entry) has an empty mode" }
            // The name runs to its NUL; the 20-byte id follows.
            guard let nul = raw[index...].firstIndex(of: 0) else { return "entry \(entry) is cut short" }
            index = nul + 1 + 20
            entry += 1
        }
        return nil
    }

    /// The rule of `TreePath.isValidComponent`, on raw bytes (a name holding
    /// NUL cannot come out of a parsed tree).
    private static func isValidName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let dot = UInt8(ascii: ".")
        switch name.count {
        case 0: return false
        case 1: if name[0] == dot { return false }
        case 2: if name[0] == dot, name[1] == dot { return false }
        case 4:
            if name[0] == dot, Array(name[1...]).map({ $0 | 0x20 }) == Array("git".utf8) { return false }
        default: break
        }
        return !name.contains(UInt8(ascii: "/"))
    }

    /// git's tree order (`base_name_compare`): bytewise, where the byte after
    /// a name that is a prefix of the other is `/` for a directory and the
    /// end of the name otherwise. True when `a` sorts strictly first.
    private static func precedes(
        _ a: UnsafeBufferPointer<UInt8>, _ aIsTree: Bool, _ b: UnsafeBufferPointer<UInt8>, _ bIsTree: Bool
    ) -> Bool {
        let common = min(a.count, b.count)
        for index in 0..<common where a[index] != b[index] {
            return a[index] < b[index]
        }
        let slash = UInt16(UInt8(ascii: "/"))
        let nextA: UInt16 = a.count > common ? UInt16(a[common]) : (aIsTree ? slash : 0)
        let nextB: UInt16 = b.count > common ? UInt16(b[common]) : (bIsTree ? slash : 0)
        return nextA < nextB
    }
}
