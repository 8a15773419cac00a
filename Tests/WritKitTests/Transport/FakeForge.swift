import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The fake forge of `Servers/fake_forge.py`: real HTTP and JSON on
/// 127.0.0.1, every request logged with the projection events the ledger
/// held when it arrived, replies injectable through a control file.
final class FakeForge {
    let flavor: TransportConfig.Forge
    let token: String
    let server: BackgroundServer
    let logFile: URL
    let controlFile: URL

    static let script = RepoRoot.url.appendingPathComponent("Tests/WritKitTests/Transport/Servers/fake_forge.py").path

    init(_ flavor: TransportConfig.Forge, token: String, ledger: String, in directory: URL) throws {
        self.flavor = flavor
        self.token = token
        let name = UUID().uuidString.prefix(8)
        logFile = directory.appendingPathComponent("forge-\(name).log")
        controlFile = directory.appendingPathComponent("forge-\(name).control")
        FileManager.default.createFile(atPath: logFile.path, contents: Data())
        try Data("{\"rules\": []}".utf8).write(to: controlFile)
        let portFile = directory.appendingPathComponent("forge-\(name).port")
        server = try BackgroundServer.launchPython(
            [Self.script, flavor.rawValue, token, ledger, portFile.path, logFile.path, controlFile.path],
            log: directory.appendingPathComponent("forge-\(name).stderr"), portFile: portFile)
    }

    var apiURL: String { "http://127.0.0.1:\(server.port)" + (flavor == .forgejo ? "/api/v1" : "") }

    func stop() { server.stop() }

    /// Injects replies: each rule matches a method and a path regex.
    func inject(_ rules: [[String: Any]]) throws {
        try JSONSerialization.data(withJSONObject: ["rules": rules]).write(to: controlFile)
    }

    /// Every request received, in order.
    func requests() throws -> [[String: Any]] {
        try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    func writes() throws -> [[String: Any]] { try requests().filter { ($0["method"] as? String) != "GET" } }

    /// What the forge holds for `repo` (`OWNER/NAME`).
    func state(_ repo: String) throws -> [String: Any] {
        let data = try control("GET", "/_state", nil)
        let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return ((all["repos"] as? [String: Any])?[repo] as? [String: Any]) ?? [:]
    }

    func seedComments(_ repo: String, issue: Int, count: Int) throws {
        _ = try control(
            "POST", "/_seed",
            try JSONSerialization.data(withJSONObject: ["repo": repo, "issue": issue, "comments": count]))
    }

    /// Adds to what the forge holds (POST /_seed): comments on an issue
    /// (`issue`, `comments` count, optional `body` and author `login`), or a
    /// pull request's commits list (`commits_of`, `commits`).
    func seed(_ repo: String, _ fields: [String: Any]) throws {
        var fields = fields
        fields["repo"] = repo
        _ = try control("POST", "/_seed", try JSONSerialization.data(withJSONObject: fields))
    }

    /// The login the forge says the token belongs to.
    static let account = "writ-bot"

    /// Puts a pull request on the forge as `user` made it (default: the
    /// token's own account), from `headRepo` (default: `repo` itself);
    /// returns its number.
    @discardableResult
    func seedPullRequest(
        _ repo: String, head: String, base: String = "main", state: String = "open", body: String,
        user: String = FakeForge.account, userID: Int = 7, headRepo: String? = nil
    ) throws -> Int {
        let pull: [String: Any] = [
            "head": head, "base": base, "state": state, "body": body, "user": user, "user_id": userID,
            "head_repo": headRepo ?? repo,
        ]
        let data = try control(
            "POST", "/_seed", try JSONSerialization.data(withJSONObject: ["repo": repo, "pull": pull]))
        return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["number"] as? Int)
    }

    /// Puts a comment on issue `issue` as `user` wrote it.
    func seedComment(_ repo: String, issue: Int, body: String, user: String, userID: Int = 99) throws {
        let comment: [String: Any] = ["issue": issue, "body": body, "user": user, "user_id": userID]
        _ = try control(
            "POST", "/_seed", try JSONSerialization.data(withJSONObject: ["repo": repo, "comment": comment]))
    }

    /// Sets what the forge says is `repo`'s default branch.
    func setDefaultBranch(_ repo: String, _ branch: String) throws {
        _ = try control(
            "POST", "/_seed", try JSONSerialization.data(withJSONObject: ["repo": repo, "default_branch": branch]))
    }

    /// Opens a pull request on the forge as a user would; returns its number.
    func openPullRequest(_ repo: String, head: String) throws -> Int {
        let script = """
            import json, sys, urllib.request
            request = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
            request.add_header("Authorization", sys.argv[3])
            request.add_header("Content-Type", "application/json")
            print(json.loads(urllib.request.urlopen(request).read())["number"])
            """
        let body = "{\"head\": \"\(head)\", \"base\": \"main\", \"title\": \"\(head)\", \"body\": \"\"}"
        let authorization = (flavor == .github ? "Bearer " : "token ") + token
        let output = try GitTestSupport.run(
            try PythonServers.python(), ["-c", script, apiURL + "/repos/\(repo)/pulls", body, authorization])
        return try #require(Int(output.trimmed), "\(output.stderr)")
    }

    /// The forge's own control endpoints, called with Python's urllib (an
    /// independent client).
    private func control(_ method: String, _ path: String, _ body: Data?) throws -> Data {
        let script = """
            import sys, urllib.request
            data = sys.stdin.buffer.read() or None
            request = urllib.request.Request(sys.argv[1], data=data, method=sys.argv[2])
            sys.stdout.buffer.write(urllib.request.urlopen(request).read())
            """
        let output = try GitTestSupport.run(
            try PythonServers.python(), ["-c", script, "http://127.0.0.1:\(server.port)\(path)", method],
            stdin: body ?? Data())
        try #require(output.status == 0, "\(output.stderr)")
        return Data(output.stdout.utf8)
    }
}

extension BackgroundServer {
    /// A Python server of the test support that writes its port to `portFile`.
    static func launchPython(_ arguments: [String], log: URL, portFile: URL) throws -> BackgroundServer {
        try launch(try PythonServers.python(), arguments, log: log, portFile: portFile)
    }
}
