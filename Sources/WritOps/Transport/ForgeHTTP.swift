import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import WritCore

/// The HTTP exchange with a forge's API: TLS always verified (the system's
/// CAs plus `ca_file`), redirects refused, a `User-Agent`, the token in the
/// `Authorization` header only, each request's own deadline inside one
/// overall deadline (the executor's timeout, from when the client is made),
/// reply bodies capped while they are read (`maximumBodySize`),
/// forge text redacted and capped before it reaches any message
/// (`untrusted`), and every failure a `ForgeError` (`ForgeError.failure`
/// maps it to its reason code, SPEC §7).
///
/// Synchronous on purpose: the dispatcher is a sequential program, and a
/// remote write is one step of a poll.
final class ForgeHTTP {
    struct Reply {
        package let status: Int
        let headers: HTTPHeaders
        package let body: Data

        package func header(_ name: String) -> String? { headers.first(name: name) }
    }

    private let client: HTTPClient
    private let authorization: String
    private let token: String
    private let deadline: ContinuousClock.Instant
    private let requestTimeout: Duration
    static let userAgent = "writ/\(WritVersion.current)"
    /// The largest reply body read: a bigger one is abandoned while it
    /// streams in (`remote_error`), so a hostile or broken forge cannot make
    /// the dispatcher hold hundreds of megabytes. Far above any page of a
    /// list writ asks for.
    static let maximumBodySize = 4 << 20
    /// How much of a forge's text (an error message) a message keeps.
    static let maximumQuotedText = 300

    /// `authorization` is the whole header value (`Bearer <token>`);
    /// `token` is kept only to mask it in any text that might echo it.
    init(authorization: String, token: String, caFile: String?, timeout: Duration) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw RuntimeError("cannot read ca_file \(caFile)", fix: "ca_file in [transport]")
            }
            tls.additionalTrustRoots = [.file(caFile)]
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(Int64(max(1, timeout.components.seconds)))))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.authorization = authorization
        self.token = token
        requestTimeout = timeout
        deadline = ContinuousClock.now + timeout
    }

    deinit {
        try? client.syncShutdown()
    }

    /// What is left of the overall deadline; `timeout` when none is. Other
    /// network steps of the same write (the head-branch push) get this, so
    /// the whole write stays within the executor's timeout.
    func remaining() throws(ForgeError) -> Duration {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { throw .deadlinePassed(requestTimeout) }
        return left
    }

    /// Sends one request, under its own deadline: what is left of the
    /// overall one when it starts, covering connecting, sending and reading
    /// the whole reply (a read timeout alone restarts with every byte, so a
    /// forge that trickles would never time out). Transport failures are
    /// `noAnswer` (no whole answer in time), `tlsFailed`, `replyTooLarge` or
    /// `exchangeFailed`; a reply with any status is returned for the caller
    /// to judge.
    func send(_ method: HTTPMethod, _ url: String, json body: Data? = nil) throws(ForgeError) -> Reply {
        let remaining = try remaining()
        do {
            var request = try HTTPClient.Request(url: url, method: method)
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "Authorization", value: authorization)
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .data(body)
            }
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
            let response = try client.execute(
                request: request, delegate: ResponseAccumulator(request: request, maxBodySize: Self.maximumBodySize),
                deadline: .now() + .milliseconds(Int64(seconds * 1000))
            ).wait()
            let bytes = response.body.map { Data($0.readableBytesView) } ?? Data()
            return Reply(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw .replyTooLarge(origin: Self.origin(url), limit: Self.maximumBodySize)
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                throw .noAnswer(origin: Self.origin(url))
            default:
                throw .exchangeFailed(origin: Self.origin(url), error: untrusted("\(error)"))
            }
        } catch let error as NIOSSLError {
            throw .tlsFailed(origin: Self.origin(url), error: "\(error)")
        } catch let error as BoringSSLError {
            throw .tlsFailed(origin: Self.origin(url), error: "\(error)")
        } catch {
            throw .exchangeFailed(origin: Self.origin(url), error: untrusted("\(error)"))
        }
    }

    /// Text from the forge (an error message, a login), made fit for a
    /// message that may reach an event, a report or a log: the token and
    /// every piece of it redacted (`SecretRedactor`, as executor output),
    /// then cut to `maximumQuotedText` characters.
    func untrusted(_ text: some StringProtocol) -> String {
        var redactor = SecretRedactor(secrets: [token])
        let bytes = redactor.feed(Array(text.utf8)) + redactor.finish()
        let masked = String(decoding: redactor.maskingFragments(bytes), as: UTF8.self)
        return masked.count > Self.maximumQuotedText ? masked.prefix(Self.maximumQuotedText) + "…" : masked
    }

    /// `scheme://host[:port]` of a URL, for messages.
    package static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return "the configured api_url" }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
