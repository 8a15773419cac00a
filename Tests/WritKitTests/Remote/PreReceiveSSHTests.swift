import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ hook pre-receive` on a bare repository served by OpenSSH's sshd,
/// as a self-hosted ops repository is (docs/forge-setup.md): operators push
/// with stock git over ssh, and the hook (the built binary) refuses a
/// `git pull --no-rebase` merge on the governance branch and a ledger push
/// that changes an existing file, and accepts a linear push of each.
@Suite(.serialized) struct PreReceiveSSHTests {
    @Test func theHookOnAnSSHServedBareRepoRefusesAPullMergeAndANonAppendLedgerPush() throws {
        let fixture = try PreReceiveFixture()
        defer { fixture.remove() }
        let key = try CLI.makeKey(in: fixture.root, name: "operator_key")
        let server = try SSHServer.start(
            in: fixture.root.appendingPathComponent("sshd"), authorizedKeys: [try CLI.publicKey(key)])
        defer { server.stop() }
        let knownHosts = fixture.root.appendingPathComponent("known_hosts")
        try Data((server.knownHostsLine + "\n").utf8).write(to: knownHosts)
        fixture.url = server.url(fixture.server.path)
        fixture.sshCommand =
            "ssh -F /dev/null -i \(key) -o IdentitiesOnly=yes -o BatchMode=yes "
            + "-o UserKnownHostsFile=\(knownHosts.path) -o StrictHostKeyChecking=yes"

        // The governance branch: the merge `git pull` makes is refused...
        let (loser, winnerTip) = try fixture.pullMerge()
        let refused = try fixture.push(loser, "main")
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("remote: writ: refused refs/heads/main: history_rewritten"), "\(refused.stderr)")
        #expect(try fixture.tip("main") == winnerTip)
        // ...and a linear push is accepted.
        try GitTestSupport.git(loser, "reset", "-q", "--hard", "origin/main")
        let linear = try fixture.commit(loser, "merge approval/c", ["approvals/c.toml": "c\n"])
        let accepted = try fixture.push(loser, "main")
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(try fixture.tip("main") == linear)

        // The ledger: an append is accepted, a changed file refused.
        let writer = try fixture.clone("writer")
        try GitTestSupport.git(writer, "switch", "-q", "writ/ledger")
        let appended = try fixture.commit(writer, "propose", [PreReceiveFixture.intentPath(2): "schema = 1\n"])
        let append = try fixture.push(writer, "writ/ledger")
        #expect(append.status == 0, "\(append.stderr)")
        #expect(try fixture.tip("writ/ledger") == appended)
        try fixture.commit(writer, "edit", [PreReceiveFixture.intentPath(1): "schema = 1\n# edited\n"])
        let edit = try fixture.push(writer, "writ/ledger")
        #expect(edit.status != 0)
        #expect(
            edit.stderr.contains("remote: writ: refused refs/heads/writ/ledger: ledger_violation"), "\(edit.stderr)")
        #expect(edit.stderr.contains("changes \(PreReceiveFixture.intentPath(1))"), "\(edit.stderr)")
        #expect(try fixture.tip("writ/ledger") == appended)
    }
}
