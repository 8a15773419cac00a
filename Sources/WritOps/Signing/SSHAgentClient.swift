import Foundation
import WritCore
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A client for the ssh-agent protocol (draft-miller-ssh-agent) on a Unix
/// socket: listing the agent's keys and asking it to sign. Used for keys
/// whose private half writ cannot or should not read (passphrase-protected
/// keys, or `--key` naming a `.pub` file), so signing never waits on a
/// terminal prompt.
struct SSHAgentClient: Sendable {
    let socketPath: String

    /// How long one request may take (an agent may ask its user to confirm
    /// a use of a key).
    static let timeoutSeconds = 30

    private static let failure: UInt8 = 5
    private static let requestIdentities: UInt8 = 11
    private static let identitiesAnswer: UInt8 = 12
    private static let signRequest: UInt8 = 13
    private static let signResponse: UInt8 = 14
    /// Sign with rsa-sha2-512, as `ssh-keygen -Y sign` does (never SHA-1).
    private static let rsaSHA2_512: UInt32 = 4
    /// No agent reply writ reads is larger.
    private static let maximumReply = 256 * 1024

    /// The agent named by `SSH_AUTH_SOCK`, or nil when none is set.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> SSHAgentClient?
    {
        guard let path = environment["SSH_AUTH_SOCK"], !path.isEmpty else { return nil }
        return SSHAgentClient(socketPath: path)
    }

    /// The agent's keys, canonical. Keys of types writ does not verify are
    /// left out.
    func identities() throws(SSHAgentError) -> [SSHPublicKey] {
        var reply = try exchange([Self.requestIdentities])
        do {
            guard try reply.readByte() == Self.identitiesAnswer else { throw SSHAgentError.refused("list keys") }
            let count = try reply.readUInt32()
            var keys: [SSHPublicKey] = []
            for _ in 0..<count {
                let blob = try reply.readString()
                _ = try reply.readString()  // comment
                if let key = try? SSHPublicKey(blob: blob) { keys.append(key) }
            }
            return keys
        } catch let error as SSHAgentError {
            throw error
        } catch {
            throw .protocolError("malformed key list: \(error)")
        }
    }

    /// True when the agent holds the private half of `key`. An agent that
    /// cannot be reached holds nothing.
    func holds(_ key: SSHPublicKey) -> Bool {
        (try? identities().contains(key)) ?? false
    }

    /// The agent's signature blob (`string algorithm, string signature`)
    /// over `data` with `key`.
    package func sign(_ data: [UInt8], with key: SSHPublicKey) throws(SSHAgentError) -> [UInt8] {
        var request = SSHWireWriter()
        request.writeByte(Self.signRequest)
        request.writeString(key.blob)
        request.writeString(data)
        request.writeUInt32(key.type == .rsa ? Self.rsaSHA2_512 : 0)
        var reply = try exchange(request.bytes)
        do {
            guard try reply.readByte() == Self.signResponse else { throw SSHAgentError.refused("sign") }
            let signature = try reply.readString()
            try reply.expectEnd()
            return signature
        } catch let error as SSHAgentError {
            throw error
        } catch {
            throw .protocolError("malformed sign response: \(error)")
        }
    }

    /// Sends one request and reads its reply, with a bound on time and size.
    private func exchange(_ body: [UInt8]) throws(SSHAgentError) -> SSHWireReader {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(socketPath, String(cString: strerror(errno))) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .unreachable(socketPath, "socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw .unreachable(socketPath, String(cString: strerror(errno))) }

        var framed = SSHWireWriter()
        framed.writeString(body)
        try writeAll(fd, framed.bytes)
        let header = try readExactly(fd, 4)
        let length = Int(UInt32(header[0]) << 24 | UInt32(header[1]) << 16 | UInt32(header[2]) << 8 | UInt32(header[3]))
        guard length > 0, length <= Self.maximumReply else { throw .protocolError("reply of \(length) bytes") }
        let reply = try readExactly(fd, length)
        if reply.first == Self.failure { throw .refused(body.first == Self.signRequest ? "sign" : "list keys") }
        return SSHWireReader(reply)
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SSHAgentError) {
        let error = bytes.withUnsafeBytes { raw in
            FileDescriptorIO.writeAll(raw) { send(fd, $0, $1, Int32(MSG_NOSIGNAL)) }
        }
        guard error == 0 else {
            throw .protocolError("write to agent failed: \(String(cString: strerror(error)))")
        }
    }

    private func readExactly(_ fd: Int32, _ count: Int) throws(SSHAgentError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let (got, error) = bytes.withUnsafeMutableBytes { raw in
            FileDescriptorIO.readFully(raw) { recv(fd, $0, $1, 0) }
        }
        if error == EAGAIN || error == EWOULDBLOCK { throw .timedOut(socketPath) }
        guard error == 0, got == count else { throw .protocolError("agent closed the connection") }
        return bytes
    }
}

/// Why the agent could not be used.
enum SSHAgentError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreachable(String, String)
    case timedOut(String)
    case refused(String)
    case protocolError(String)

    package var description: String {
        switch self {
        case .unreachable(let path, let why): "cannot reach ssh-agent at \(path): \(why)"
        case .timedOut(let path): "ssh-agent at \(path) did not answer within \(SSHAgentClient.timeoutSeconds) s"
        case .refused(let what): "ssh-agent refused to \(what)"
        case .protocolError(let why): "ssh-agent protocol error: \(why)"
        }
    }
}
