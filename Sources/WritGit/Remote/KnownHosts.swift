import Crypto
import Foundation
import WritCore

/// An OpenSSH `known_hosts` file, read the way `ssh` reads it
/// (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"), to decide whether the host key
/// a server offered is the one pinned for it.
///
/// writ checks the key itself rather than trusting libgit2: Debian's
/// libgit2 looks only at `~/.ssh/known_hosts` and otherwise reports every
/// key as unverified. What is supported, as OpenSSH writes it:
/// - plain host patterns, comma-separated, with `*`, `?` and `!` negation,
///   matched case-insensitively;
/// - `[host]:port` names for a port other than 22;
/// - hashed names `|1|salt|hmac` (`HashKnownHosts yes`, `ssh-keygen -H`):
///   HMAC-SHA1 of the name under the salt;
/// - `@revoked` lines: a revoked key is refused even where another line
///   pins it.
///
/// `@cert-authority` lines are skipped: libgit2 does not hand host
/// certificates to writ, so a CA can never vouch for a key here. A line that
/// does not parse is skipped like OpenSSH skips it (it can only make fewer
/// keys trusted), except a malformed `@revoked` line, which refuses every
/// key: a revocation that cannot be read must not silently lapse.
package struct KnownHosts: Sendable {
    package struct Entry: Sendable {
        package enum Names: Sendable {
            case patterns(String)
            case hashed(salt: [UInt8], digest: [UInt8])
        }
        package let line: Int
        package let names: Names
        package let revoked: Bool
        package let keyType: String
        package let blob: [UInt8]
    }

    package let path: String
    package let entries: [Entry]
    /// The first malformed `@revoked` line, which makes every check fail.
    let brokenRevocationLine: Int?

    /// The largest file read (a known_hosts of a few thousand hosts is far
    /// smaller).
    package static let limit = 4 * 1024 * 1024

    /// Parses `text`; `path` names the file in verdicts.
    package init(_ text: String, path: String) {
        self.path = path
        var entries: [Entry] = []
        var broken: Int?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var revoked = false
            if let marker = fields.first, marker.hasPrefix("@") {
                fields.removeFirst()
                switch marker {
                case "@revoked": revoked = true
                // @cert-authority, and markers OpenSSH does not know either.
                default: continue
                }
            }
            guard let entry = Self.entry(fields, line: index + 1, revoked: revoked) else {
                if revoked, broken == nil { broken = index + 1 }
                continue
            }
            entries.append(entry)
        }
        self.entries = entries
        self.brokenRevocationLine = broken
    }

    /// Reads the file at `path`; a missing file is an empty one (every
    /// host is unknown, and the verdict says how to pin it).
    package static func load(_ path: String) throws -> KnownHosts {
        guard FileManager.default.fileExists(atPath: path) else { return KnownHosts("", path: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RuntimeError("cannot read known_hosts \(path)", fix: "known_hosts in [remote] (\(path))")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        guard data.count <= limit else {
            throw RuntimeError(
                "known_hosts \(path) is larger than \(limit) bytes", fix: "known_hosts in [remote] (\(path))")
        }
        return KnownHosts(String(decoding: data, as: UTF8.self), path: path)
    }

    private static func entry(_ fields: [String], line: Int, revoked: Bool) -> Entry? {
        guard fields.count >= 3, let blob = SSHBase64.decode(Array(fields[2].utf8)) else { return nil }
        // The blob names its own type; a line whose type field disagrees is
        // not a key OpenSSH would accept for that type.
        guard let embedded = Self.keyType(ofBlob: blob), embedded == fields[1] else { return nil }
        let names: Entry.Names
        if fields[0].hasPrefix("|1|") {
            let parts = fields[0].dropFirst(3).split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 2, let salt = SSHBase64.decode(Array(parts[0].utf8)),
                let digest = SSHBase64.decode(Array(parts[1].utf8)), salt.count == 20, digest.count == 20
            else { return nil }
            names = .hashed(salt: salt, digest: digest)
        } else if fields[0].hasPrefix("|") {
            return nil
        } else {
            names = .patterns(fields[0].lowercased())
        }
        return Entry(line: line, names: names, revoked: revoked, keyType: fields[1], blob: blob)
    }

    /// The key type string at the start of an SSH public key blob.
    package static func keyType(ofBlob blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard length > 0, length <= 64, blob.count >= 4 + length else { return nil }
        let bytes = blob[4..<(4 + length)]
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What the file says of `key` offered by the host named `name`
    /// (`host` or `[host]:port`, as `RemoteEndpoint.knownHostsName`).
    package func check(name: String, key blob: [UInt8]) -> HostKeyVerdict {
        let offered = OfferedHostKey(blob: blob)
        if let line = brokenRevocationLine {
            return .refused(offered: offered, because: .unreadableRevocation(path: path, line: line))
        }
        let lowered = name.lowercased()
        let matching = entries.filter { Self.matches($0, name: lowered) }
        if let revoked = matching.first(where: { $0.revoked && $0.blob == blob }) {
            return .refused(offered: offered, because: .revoked(path: path, line: revoked.line))
        }
        let pins = matching.filter { !$0.revoked }
        if pins.contains(where: { $0.blob == blob }) { return .trusted }
        if pins.isEmpty {
            return .refused(offered: offered, because: .unknownHost(name: name, path: path))
        }
        let listed = pins.map { PinnedKey(line: $0.line, type: $0.keyType, fingerprint: Self.fingerprint($0.blob)) }
        return .refused(offered: offered, because: .changed(name: name, path: path, pinned: listed))
    }

    private static func matches(_ entry: Entry, name: String) -> Bool {
        switch entry.names {
        case .patterns(let list):
            return SSHPattern.matchList(name, list: list) == .match
        case .hashed(let salt, let digest):
            let mac = HMAC<Insecure.SHA1>.authenticationCode(
                for: Array(name.utf8), using: SymmetricKey(data: salt))
            return Array(mac) == digest
        }
    }

    /// `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it.
    package static func fingerprint(_ blob: [UInt8]) -> String {
        let digest = SHA256.hash(data: blob)
        var text = SSHBase64.encode(Array(digest))
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }
}

/// A key pinned for the host in known_hosts, shown when the offered key
/// differs.
package struct PinnedKey: Sendable, Hashable {
    package let line: Int
    package let type: String
    package let fingerprint: String
}

/// The key a server offered.
package struct OfferedHostKey: Sendable, Hashable {
    package let blob: [UInt8]
    package var type: String { KnownHosts.keyType(ofBlob: blob) ?? "unknown" }
    package var fingerprint: String { KnownHosts.fingerprint(blob) }
    /// The known_hosts line that would pin this key for `name`.
    package func pinLine(for name: String) -> String { "\(name) \(type) \(SSHBase64.encode(blob))" }
}

/// Whether a server's host key may be trusted.
package enum HostKeyVerdict: Sendable, Hashable {
    case trusted
    case refused(offered: OfferedHostKey, because: HostKeyRefusal)

    /// The message of a refusal for the host `name`: the offered
    /// fingerprint, why it is refused and how to pin the key once it has
    /// been confirmed out of band. Nil when trusted.
    package func message(for name: String) -> String? {
        guard case .refused(let offered, let reason) = self else { return nil }
        let key = "\(offered.type) \(offered.fingerprint)"
        switch reason {
        case .unknownHost(_, let path):
            return "host \(name) is not in known_hosts \(path); it offered \(key). writ never trusts a host on "
                + "first use: confirm that fingerprint with the server's owner (ssh-keygen -lf on its host key, or "
                + "the forge's published fingerprints), then add this line to \(path): \(offered.pinLine(for: name))"
        case .changed(_, let path, let pinned):
            let lines = pinned.map { "line \($0.line): \($0.type) \($0.fingerprint)" }.joined(separator: ", ")
            return "the host key of \(name) does not match known_hosts \(path): it offered \(key), but \(path) pins "
                + "\(lines). Someone may be intercepting the connection, or the server's key was replaced: confirm "
                + "the new fingerprint with the server's owner before replacing the pinned line with: "
                + offered.pinLine(for: name)
        case .revoked(let path, let line):
            return "the host key \(name) offered (\(key)) is revoked by line \(line) of known_hosts \(path)"
        case .unreadableRevocation(let path, let line):
            return "line \(line) of known_hosts \(path) is a @revoked line that does not parse; no host key is "
                + "trusted until it is fixed (the server offered \(key))"
        }
    }
}

package enum HostKeyRefusal: Sendable, Hashable {
    case unknownHost(name: String, path: String)
    case changed(name: String, path: String, pinned: [PinnedKey])
    case revoked(path: String, line: Int)
    case unreadableRevocation(path: String, line: Int)
}
