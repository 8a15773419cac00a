internal import Clibgit2
import WritCore

/// Conversions between writ's object ids and libgit2's `git_oid`.
extension ObjectID {
    init(_ oid: git_oid) {
        var copy = oid
        let (head, middle, tail) = withUnsafeBytes(of: &copy) { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            )
        }
        self.init(words: head, middle, tail)
    }

    init(_ pointer: UnsafePointer<git_oid>) {
        self.init(pointer.pointee)
    }

    var oid: git_oid {
        var out = git_oid()
        withUnsafeMutableBytes(of: &out) { raw in
            raw.storeBytes(of: head, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: middle, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: tail, toByteOffset: 16, as: UInt32.self)
        }
        return out
    }
}
