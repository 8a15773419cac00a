import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// One way to reach a remote: the git layer reports a refusal typed, with
/// no reason code; the runner above it codes it, once, whether the
/// operation ran in this process or in the timeout helper.
@Suite struct RemoteRunnerTests {
    @Test func theGitLayerRefusesTypedAndTheRunnerCodesItOnEveryPath() throws {
        let rig = try SSHRemoteTests.Rig()
        defer { rig.remove() }
        let clone = rig.scratch.appendingPathComponent("clone")
        try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
        try GitTestSupport.git(clone, "init", "-q")
        try GitTestSupport.git(clone, "remote", "add", "origin", rig.server.url("/nowhere.git"))
        let repository = try Repository.open(at: clone.path)
        let unknown = try SSHRemoteTests.knownHosts([], in: rig.scratch)
        let changed = try SSHRemoteTests.knownHosts(
            ["[127.0.0.1]:\(rig.server.port) \(try CLI.publicKey(rig.keys.plain))"], in: rig.scratch)

        for (knownHosts, unknownHost) in [(unknown, true), (changed, false)] {
            let access = RemoteAccess(knownHostsPath: knownHosts, sshKeyPath: rig.keys.plain, useAgent: false)
            // The git layer, in this process: a typed refusal.
            do {
                _ = try repository.fetch(remote: "origin", refs: ["main"], using: access.credentials)
                Issue.record("the fetch from an unpinned host succeeded")
            } catch let refusal as RemoteRefusal {
                switch refusal {
                case .hostKeyUnknown: #expect(unknownHost, "\(refusal)")
                case .hostKeyMismatch: #expect(!unknownHost, "\(refusal)")
                default: Issue.record("not a host-key refusal: \(refusal)")
                }
                #expect(refusal.detail.contains(rig.server.knownHostsLine), "the pin line: \(refusal)")
            }
            // The runner, in this process and through the helper: the
            // same refusal, coded remote_mismatch.
            for helper in [nil, CLI.binary] {
                var coded = access
                coded.helper = helper
                repository.remoteAccess = coded
                do {
                    _ = try repository.fetch(remote: "origin", refs: ["main"])
                    Issue.record("the fetch from an unpinned host succeeded")
                } catch let error as WritError {
                    #expect(error.reason == .remoteMismatch, "\(error)")
                    #expect(error.detail.contains(rig.server.knownHostsLine), "\(error)")
                }
            }
        }
    }

    @Test func eachRefusalHasOneReasonCode() {
        let expected: [(RemoteRefusal, ReasonCode)] = [
            (.credentialsRefused("x"), .authInsufficient), (.hostKeyUnknown("x"), .remoteMismatch),
            (.hostKeyMismatch("x"), .remoteMismatch), (.certificateUntrusted("x"), .remoteMismatch),
            (.timedOut("x"), .timeout), (.transport("x"), .remoteError),
        ]
        for (refusal, reason) in expected {
            #expect(refusal.reason == reason)
            let access = RemoteAccess(token: "tok-secret-1234")
            let masked = RemoteRefusal.transport("echo tok-secret-1234").writError(redacting: access)
            #expect(!masked.detail.contains("tok-secret-1234"))
        }
    }
}
