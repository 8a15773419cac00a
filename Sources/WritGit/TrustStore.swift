internal import CWritGit
internal import Clibgit2
import Foundation
import Synchronization
import WritCore

/// The certificates TLS connections to https remotes are verified against.
///
/// libgit2's store is process-wide and replaced, not extended, by
/// `GIT_OPT_SET_SSL_CERT_LOCATIONS`, so an extra CA means one bundle holding
/// the system's CAs and the extra ones. writ always sets the store
/// explicitly, in the remote helper process only (one operation per
/// process), so neither a compiled-in default nor variables such as
/// `SSL_CERT_FILE` decide what is trusted.
enum TrustStore {
    /// The system CA bundle on Debian and its derivatives.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"
    /// The largest CA file read.
    package static let limit = 8 * 1024 * 1024

    /// The PEM bytes to trust: the system bundle, then `extra` when given.
    /// Nil when neither exists (no https remote can then verify, and
    /// libgit2 refuses every certificate).
    static func bundle(extra: String?) throws -> Data? {
        var bytes = Data()
        if let system = FileManager.default.contents(atPath: systemBundle) {
            bytes.append(system)
            bytes.append(0x0A)
        }
        if let extra {
            guard let handle = FileHandle(forReadingAtPath: extra) else {
                throw RuntimeError("cannot read ca_file \(extra)", fix: "ca_file in [remote] (\(extra))")
            }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
            guard data.count <= limit, String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
            else {
                throw RuntimeError(
                    "ca_file \(extra) is not a PEM certificate bundle of at most \(limit) bytes",
                    fix: "ca_file in [remote] (\(extra))")
            }
            bytes.append(data)
        }
        return bytes.isEmpty ? nil : bytes
    }

    /// The `ca_file` the process's trust store was last built with (nil:
    /// the system CAs only); `.none` before the first install.
    private static let installed = Mutex<String??>(.none)

    /// Makes the process's trust store the system CAs plus `extra`, unless
    /// it already is. For in-process https operations (no helper): the
    /// store is process-wide, so two such operations at once with different
    /// `ca_file`s would see one of them; the helper process has none of this.
    static func ensure(extra: String?) throws {
        try installed.withLock { current in
            if case .some(let file) = current, file == extra { return }
            if let bundle = try bundle(extra: extra) { try install(bundle) }
            current = .some(extra)
        }
    }

    /// Makes `bundle` the process's trust store. libgit2 parses the file
    /// when the option is set, so the private copy is removed at once.
    static func install(_ bundle: Data) throws {
        GitRuntime.ensure()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "writ-ca-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bundle.pem")
        try bundle.write(to: file)
        guard writ_git_set_ssl_cert_file(file.path) == 0 else {
            let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown"
            throw RuntimeError(
                "cannot load the CA bundle (system CAs and ca_file): \(message)", fix: "ca_file in [remote]")
        }
    }
}
