import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Real servers for the remote tests, each on 127.0.0.1 on a port the
/// kernel chose, started by the test that needs it and killed by `stop()`:
/// an OpenSSH `sshd` with its own config and host key, a TLS smart-HTTP git
/// server requiring basic auth (`git http-backend` behind Python's TLS
/// server, with certificates from a test CA), and a server that accepts
/// connections and never answers.
final class BackgroundServer {
    let port: Int
    let log: URL
    private let process: Process

    fileprivate init(port: Int, log: URL, process: Process) {
        self.port = port
        self.log = log
        self.process = process
    }

    /// A server that runs under a shell writes its own pid here; it is
    /// killed first by `stop()`.
    fileprivate var pidFile: URL?

    /// Kills the server with SIGKILL (a child of `Process` may block SIGTERM).
    func stop() {
        if let pidFile, let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGKILL)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `executable` and waits for it to write its port to `portFile`
    /// (the Python servers) or, with `port`, for the port to accept.
    static func launch(
        _ executable: String, _ arguments: [String], log: URL, portFile: URL? = nil, port fixed: Int? = nil
    ) throws -> BackgroundServer {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try output.close()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline {
            if let portFile, let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return BackgroundServer(port: port, log: log, process: process)
            }
            if let fixed, accepts(port: fixed) {
                return BackgroundServer(port: fixed, log: log, process: process)
            }
            usleep(20_000)
        }
        let server = BackgroundServer(port: 0, log: log, process: process)
        server.stop()
        throw StartFailure(description: "\(executable) did not start: \(server.logText)")
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A port the kernel just handed out for 127.0.0.1.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartFailure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw StartFailure(description: "bind() failed") }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        return Int(UInt16(bigEndian: actual.sin_port))
    }
}

/// Debian packages a test needs, installed when missing (as `.ci/run`'s
/// `scripts/ensure-deps` does on a fresh machine).
enum TestPackages {
    static func require(_ executable: String, package: String) throws {
        guard !FileManager.default.isExecutableFile(atPath: executable) else { return }
        let update = try GitTestSupport.run("/usr/bin/apt-get", ["update", "-q"])
        let install = try GitTestSupport.run("/usr/bin/apt-get", ["install", "-y", "-q", package])
        try #require(
            FileManager.default.isExecutableFile(atPath: executable),
            "\(package) could not be installed: \(update.stderr) \(install.stderr)")
    }
}

/// OpenSSH's sshd on 127.0.0.1, serving the repositories of this machine
/// to the keys in its own authorized_keys file, for the current user.
struct SSHServer {
    let server: BackgroundServer
    let directory: URL
    /// The `ssh-ed25519 AAAA...` host public key.
    let hostKey: String
    let user: String

    var port: Int { server.port }

    /// `ssh://user@127.0.0.1:port/<path>`.
    func url(_ path: String) -> String { "ssh://\(user)@127.0.0.1:\(port)\(path)" }

    /// The known_hosts line pinning this server's key.
    var knownHostsLine: String { "[127.0.0.1]:\(port) \(hostKey)" }

    func stop() { server.stop() }

    static func start(in directory: URL, authorizedKeys: [String]) throws -> SSHServer {
        try TestPackages.require("/usr/sbin/sshd", package: "openssh-server")
        // sshd's privilege separation directory, which a package install
        // on a machine without an init system may not have made.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let hostKeyPath = directory.appendingPathComponent("ssh_host_ed25519_key").path
        let made = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKeyPath])
        try #require(made.status == 0, "\(made.stderr)")
        let hostKey = try CLI.publicKey(hostKeyPath)
        let authorized = directory.appendingPathComponent("authorized_keys")
        try Data((authorizedKeys.joined(separator: "\n") + "\n").utf8).write(to: authorized)
        let user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        var lastError: any Error = BackgroundServer.StartFailure(description: "no attempt")
        for _ in 0..<5 {
            let port = try BackgroundServer.freePort()
            let config = directory.appendingPathComponent("sshd_config")
            let text = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(hostKeyPath)
                PidFile \(directory.appendingPathComponent("sshd.pid").path)
                AuthorizedKeysFile \(authorized.path)
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                MaxStartups 100:30:200
                MaxSessions 100
                LogLevel VERBOSE

                """
            try Data(text.utf8).write(to: config)
            do {
                // Under a shell that stays: sshd closes every inherited
                // descriptor, and Foundation's Process takes the close of
                // the one it watches for an exit and then blocks in waitpid,
                // stalling every other Process of the test run.
                let server = try BackgroundServer.launch(
                    "/bin/sh", ["-c", "/usr/sbin/sshd -D -e -f \"$0\"", config.path],
                    log: directory.appendingPathComponent("sshd.log"), port: port)
                server.pidFile = directory.appendingPathComponent("sshd.pid")
                return SSHServer(server: server, directory: directory, hostKey: hostKey, user: user)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}

/// A CA and a server certificate for 127.0.0.1 it signed, made with openssl.
struct TestCA {
    let certificate: String
    let serverCertificate: String
    let serverKey: String

    static func make(in directory: URL, name: String) throws -> TestCA {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ file: String) -> String { directory.appendingPathComponent("\(name)-\(file)").path }
        func openssl(_ arguments: [String]) throws {
            let output = try GitTestSupport.run("/usr/bin/openssl", arguments)
            try #require(output.status == 0, "openssl \(arguments.first ?? ""): \(output.stderr)")
        }
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=writ test CA \(name)",
            "-keyout", path("ca.key"), "-out", path("ca.pem"),
        ])
        try openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", path("server.key"),
            "-out", path("server.csr"),
        ])
        // libgit2's mbedTLS refuses a certificate whose only SAN is an IP.
        try Data("subjectAltName=DNS:127.0.0.1,IP:127.0.0.1\n".utf8).write(
            to: URL(fileURLWithPath: path("san.ext")))
        try openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", path("san.ext"), "-out", path("server.pem"),
        ])
        return TestCA(certificate: path("ca.pem"), serverCertificate: path("server.pem"), serverKey: path("server.key"))
    }
}

/// The Python servers in `Servers/git_https_server.py`.
enum PythonServers {
    static let script = RepoRoot.url.appendingPathComponent("Tests/WritKitTests/Remote/Servers/git_https_server.py")
        .path

    static func python() throws -> String {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        try TestPackages.require("/usr/bin/python3", package: "python3")
        return "/usr/bin/python3"
    }

    /// `https://127.0.0.1:port/` serving the repositories under `root`.
    /// `readOnlyToken` may fetch but not push (403).
    static func https(
        root: URL, ca: TestCA, user: String, token: String, readOnlyToken: String, in directory: URL
    ) throws -> BackgroundServer {
        let portFile = directory.appendingPathComponent("https-\(UUID().uuidString).port")
        return try BackgroundServer.launch(
            try python(),
            [
                script, "https", root.path, ca.serverCertificate, ca.serverKey, user, token, readOnlyToken,
                portFile.path,
            ],
            log: directory.appendingPathComponent("https-\(UUID().uuidString).log"), portFile: portFile)
    }

    /// A server that accepts and never answers.
    static func silent(in directory: URL) throws -> BackgroundServer {
        let portFile = directory.appendingPathComponent("silent.port")
        return try BackgroundServer.launch(
            try python(), [script, "silent", portFile.path], log: directory.appendingPathComponent("silent.log"),
            portFile: portFile)
    }
}
