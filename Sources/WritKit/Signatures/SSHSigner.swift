import Foundation

/// Signing through `/usr/bin/ssh-keygen -Y sign`, for keys the in-process
/// signer does not handle (non-ed25519 or passphrase-protected). Never used
/// for verification.
public enum SSHSigner {
    /// Where the OpenSSH key tool lives.
    public static let sshKeygenPath = "/usr/bin/ssh-keygen"

    /// Signs `message` in `namespace` with the private key at `keyPath`.
    ///
    /// An unencrypted ed25519 key is signed in process; any other readable
    /// OpenSSH key file is handed to `ssh-keygen`. A garbled file fails
    /// here, before any subprocess runs.
    public static func sign(message: Data, namespace: String, keyPath: String) throws -> String {
        guard !namespace.isEmpty else { throw SSHPrivateKeyError.malformed("empty namespace") }
        let text = try String(contentsOfFile: keyPath, encoding: .utf8)
        do {
            return try SSHEd25519PrivateKey(openSSH: text).sign(message: message, namespace: namespace)
        } catch .encrypted, .unsupportedKeyType {
            return try signWithSSHKeygen(message: message, namespace: namespace, keyPath: keyPath)
        }
    }

    /// Always signs through `ssh-keygen -Y sign -f KEY -n NAMESPACE`.
    public static func signWithSSHKeygen(message: Data, namespace: String, keyPath: String) throws -> String {
        let result = try ProcessRunner.run(
            sshKeygenPath, ["-q", "-Y", "sign", "-f", keyPath, "-n", namespace], stdin: message)
        guard result.status == 0 else {
            throw SSHSignerError(status: result.status, stderr: String(decoding: result.stderr, as: UTF8.self))
        }
        let armored = String(decoding: result.stdout, as: UTF8.self)
        // Never hand on output that is not a well-formed signature.
        _ = try SSHSignature(armored: armored)
        return armored
    }
}

/// `ssh-keygen` refused to sign.
public struct SSHSignerError: Error, Sendable, CustomStringConvertible {
    public let status: Int32
    public let stderr: String
    public var description: String { "ssh-keygen -Y sign exited \(status): \(stderr)" }
}

/// Runs a program by absolute path, feeding stdin and draining both output
/// pipes concurrently so a full pipe cannot deadlock the child.
enum ProcessRunner {
    struct Output: Sendable {
        let status: Int32
        let stdout: Data
        let stderr: Data
    }

    /// A child that exits before reading all its input would otherwise
    /// kill this process with SIGPIPE on the next write; the write error is
    /// what we want instead.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    static func run(_ path: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String]? = nil) throws -> Output {
        _ = ignoreSIGPIPE
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inPipe = Pipe()
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        let group = DispatchGroup()
        let outBox = DataBox()
        let errBox = DataBox()
        DispatchQueue.global().async(group: group) { outBox.set(outPipe.fileHandleForReading.readDataToEndOfFile()) }
        DispatchQueue.global().async(group: group) { errBox.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }
        let writer = inPipe.fileHandleForWriting
        // The child may exit without reading everything; ignore EPIPE.
        try? writer.write(contentsOf: stdin)
        try? writer.close()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: outBox.get(), stderr: errBox.get())
    }

    private final class DataBox: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data { lock.withLock { data } }
    }
}
