import Foundation
import Logging
import MCP
import WritCore
import WritOps

/// `writ mcp`: the Model Context Protocol server over an ``AgentDesk``.
///
/// The tools are ``AgentTools``; the resources `writ://policy` (the
/// trusted `policy.toml`) and `writ://intent/<id>` (an intent's bytes as
/// signed). Standard output carries only the protocol: every log line
/// goes to standard error.
package enum AgentServer {
    /// The default and the bounds of `writ_wait`.
    static let defaultTimeout = 300.0
    static let defaultInterval = 5.0
    static let minimumInterval = 0.2

    /// A server with every handler registered, not started.
    package static func make(_ desk: AgentDesk) async -> Server {
        let server = Server(
            name: "writ", version: WritVersion.current, title: "writ: propose, wait and withdraw",
            instructions: """
                writ is an approval gate: you propose intents (writ_propose), humans approve the risky ones, a \
                dispatcher runs them. Call writ_policy first to see which kinds run without a human. After \
                proposing, writ_wait tells you when the intent ran. Nothing here can approve: an intent that \
                waits for approvals waits for people.
                """,
            capabilities: .init(
                resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))

        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: AgentTools.list)
        }
        await server.withMethodHandler(CallTool.self) { [weak server] params in
            let arguments = ToolArguments(values: params.arguments ?? [:])
            let answer: ToolAnswer
            do {
                answer = try await call(
                    params.name, arguments, desk: desk, progressToken: params._meta?.progressToken, server: server)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                answer = ToolAnswer.failure(error)
            }
            return answer.result
        }
        await server.withMethodHandler(ListResources.self) { _ in
            ListResources.Result(resources: [
                Resource(
                    name: "policy", uri: "writ://policy", title: "The trusted policy.toml",
                    description:
                        "The governance policy every intent is decided under (trusted at the trust root's chain).",
                    mimeType: "application/toml")
            ])
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: [
                Resource.Template(
                    uriTemplate: "writ://intent/{id}", name: "intent", title: "An intent as signed",
                    description:
                        "The intent file's bytes on the ledger: what its proposer signed and approvers sign for.",
                    mimeType: "application/toml")
            ])
        }
        await server.withMethodHandler(ReadResource.self) { params in
            try await read(params.uri, desk: desk)
        }
        return server
    }

    /// Serves on standard input and output until the client goes away.
    package static func serveStdio(_ desk: AgentDesk, logger: Logger) async throws {
        let server = await make(desk)
        try await server.start(transport: StdioTransport(logger: logger))
        await server.waitUntilCompleted()
    }

    /// One tool call. `writ_wait` is the only one that suspends between
    /// readings; every other tool is one unit of work on the desk's queue.
    static func call(
        _ name: String, _ arguments: ToolArguments, desk: AgentDesk, progressToken: ProgressToken?, server: Server?
    ) async throws -> ToolAnswer {
        switch name {
        case "writ_policy": return try await desk.onRepo { try $0.policyAnswer(arguments) }
        case "writ_propose": return try await desk.onRepo { try $0.propose(arguments) }
        case "writ_status": return try await desk.onRepo { try $0.statusAnswer(arguments, full: false) }
        case "writ_show": return try await desk.onRepo { try $0.statusAnswer(arguments, full: true) }
        case "writ_list": return try await desk.onRepo { try $0.listAnswer(arguments) }
        case "writ_withdraw": return try await desk.onRepo { try $0.withdrawAnswer(arguments) }
        case "writ_wait":
            return try await wait(arguments, desk: desk) { count, message in
                guard let progressToken, let server else { return }
                // A notification that cannot be sent (the client went away)
                // ends nothing here: the next send or the loop's end does.
                try? await server.notify(
                    ProgressNotification.message(
                        .init(progressToken: progressToken, progress: Double(count), total: nil, message: message)))
            }
        default:
            // Nothing else exists: in particular nothing that approves,
            // resolves, gates, merges or touches governance.
            return ToolAnswer.refused(
                "unknown_tool", reason: nil,
                detail: "no tool \(name): this server offers " + AgentTools.names.joined(separator: ", ")
                    + "; nothing here approves, resolves, gates or changes governance",
                next: "use one of the listed tools")
        }
    }

    /// `writ_wait`: fetch and decide every `interval_seconds` until the
    /// intent is final or `timeout_seconds` pass; `progress` is told each
    /// change (the first reading included). A cancelled task stops it at
    /// its next sleep.
    static func wait(
        _ arguments: ToolArguments, desk: AgentDesk, progress: (Int, String) async -> Void
    ) async throws -> ToolAnswer {
        try arguments.rejectUnknown(allowing: ["id", "timeout_seconds", "interval_seconds"])
        let id = try arguments.intentID()
        let timeout = try arguments.number("timeout_seconds") ?? defaultTimeout
        let interval = try arguments.number("interval_seconds") ?? defaultInterval
        guard timeout >= 0, timeout <= 86_400 else {
            throw ArgumentError(detail: "timeout_seconds must be between 0 and 86400")
        }
        guard interval >= minimumInterval, interval <= 3600 else {
            throw ArgumentError(detail: "interval_seconds must be between \(minimumInterval) and 3600")
        }
        let deadline = desk.clock().addingTimeInterval(timeout)
        var last: String?
        var changes = 0
        var readings = 0
        while true {
            try Task.checkCancellation()
            let report = try await desk.onRepo { try $0.report(id) }
            readings += 1
            if report.progressKey != last {
                last = report.progressKey
                changes += 1
                await progress(changes, report.progressMessage)
            }
            let remaining = deadline.timeIntervalSince(desk.clock())
            if report.isFinal || remaining <= 0 {
                var value = report.value(full: false)
                if case .object(var fields) = value {
                    fields["timed_out"] = .bool(!report.isFinal)
                    fields["readings"] = .int(readings)
                    fields["changes"] = .int(changes)
                    value = .object(fields)
                }
                let text = (report.isFinal ? "" : "timed out after \(Int(timeout))s, still waiting\n") + report.text
                return ToolAnswer(structured: value, text: text, isError: false)
            }
            try await Task.sleep(nanoseconds: UInt64(min(interval, remaining) * 1_000_000_000))
        }
    }

    /// `writ://policy` and `writ://intent/<id>`.
    static func read(_ uri: String, desk: AgentDesk) async throws -> ReadResource.Result {
        if uri == "writ://policy" {
            let bytes = try await desk.onRepo { desk in
                try desk.fetch()
                return try desk.trustedGovernance().state.policyBytes
            }
            return ReadResource.Result(contents: [
                .text(String(decoding: bytes, as: UTF8.self), uri: uri, mimeType: "application/toml")
            ])
        }
        let prefix = "writ://intent/"
        guard uri.hasPrefix(prefix), let id = IntentID(String(uri.dropFirst(prefix.count))) else {
            throw MCPError.invalidParams("unknown resource \(uri): writ://policy or writ://intent/<id>")
        }
        let bytes = try await desk.onRepo { desk -> Data? in
            try desk.fetch()
            return try desk.intentBytes(id)
        }
        guard let bytes else { throw MCPError.invalidParams("no intent \(id) on the ledger") }
        return ReadResource.Result(contents: [
            .text(String(decoding: bytes, as: UTF8.self), uri: uri, mimeType: "application/toml")
        ])
    }
}
