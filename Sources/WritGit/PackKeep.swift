import Foundation

/// `.keep` files for packs in flight: written, flushed, before a pack
/// appears in `objects/pack`, removed once a ref names what the pack holds.
///
/// Until a ref names them, a new pack's objects are unreachable, and
/// `git repack -a -d` or `git gc` deletes every unreachable pack it finds;
/// a pack with a `.keep` is left alone (git's own receive-pack and fetch
/// keep theirs the same way). The keep's text names the writ process that
/// wrote it, so a keep whose process died can be told from a live one's.
enum PackKeep {
    package static let prefix = "writ: pack in flight, pid "

    /// The keep text for this process.
    package static var text: String { prefix + "\(getpid())\n" }

    /// Places `pack-<name>.keep` in `directory`, flushed.
    package static func place(_ name: String, in directory: String) throws {
        try PackWriter.place(Data(text.utf8), at: directory + "/" + name + ".keep", in: directory)
    }

    /// Removes the keep of pack `name` (a missing one is no error).
    package static func remove(_ name: String, in directory: String) {
        unlink(directory + "/" + name + ".keep")
    }

    /// Removes the keeps a writ process left when it died before removing
    /// them (its pid is gone): their packs' commits were pushed, fetched or
    /// given up by now. Keeps of live processes, and every keep writ did
    /// not write, are left alone.
    static func removeAbandoned(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix("pack-") && name.hasSuffix(".keep") {
            let path = directory + "/" + name
            guard let owner = owner(ofFile: path) else { continue }
            if kill(owner, 0) != 0, errno == ESRCH { unlink(path) }
        }
    }

    /// The pid a writ keep (or quarantine) names; nil for anything else.
    package static func owner(ofFile path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix(prefix),
            text.hasSuffix("\n")
        else { return nil }
        return pid_t(text.dropFirst(prefix.count).dropLast())
    }
}
