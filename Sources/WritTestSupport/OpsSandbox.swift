import Foundation
import WritCore
import WritOps

/// A complete ops repo in a directory, with generated keys for a cast of
/// principals: what `writ demo` tours and what end-to-end tests build on.
///
/// Every record it writes is real: signed with the principal's key, committed
/// through libgit2 to the ledger or an approval branch, and merged into the
/// governance branch as an approval PR would be. It also writes each private
/// key to `keys/<principal>` (mode 0600) and `allowed_signers`, so the same
/// repo can be driven with the `writ` command line, `ssh-keygen` and `git`.
package final class OpsSandbox {
    package let directory: URL
    package let ops: OpsRepo
    package let trustRoot: ObjectID
    private let keys: [Principal: SSHEd25519PrivateKey]

    /// Creates `directory/ops.git` (bare) with `policy` and a key for each
    /// principal; every key may sign every writ namespace.
    /// `unlisted` principals get keys too, but no allowed_signers line: a
    /// stranger's key, for showing what writ refuses.
    /// `signerOptions` gives a principal's allowed_signers line its
    /// options (`valid-before="20400101"`, say).
    package init(
        at directory: URL, policy: String, principals: [String], unlisted: [String] = [], extraSigners: String = "",
        signerOptions: [String: String] = [:]
    ) throws {
        self.directory = directory
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory.appendingPathComponent("keys"), withIntermediateDirectories: true)
        var keys: [Principal: SSHEd25519PrivateKey] = [:]
        var signers = ""
        for name in principals + unlisted {
            guard let principal = Principal(name) else {
                throw WritError(.signerUnknown, "not a principal: \(name)")
            }
            let key = SSHEd25519PrivateKey.generate()
            keys[principal] = key
            if !unlisted.contains(name) {
                let options = signerOptions[name].map { $0 + " " } ?? ""
                signers += "\(principal) \(options)\(key.publicKey.openSSHLine)\n"
            }
            let keyPath = directory.appendingPathComponent("keys/\(principal)").path
            guard
                fileManager.createFile(
                    atPath: keyPath, contents: Data(key.openSSHPrivateKeyText(comment: name).utf8),
                    attributes: [.posixPermissions: 0o600])
            else { throw WritError(.signerUnknown, "cannot write \(keyPath)") }
        }
        signers += extraSigners
        try Data(signers.utf8).write(to: directory.appendingPathComponent("allowed_signers"))
        try Data(policy.utf8).write(to: directory.appendingPathComponent("policy.toml"))
        var initializer = OpsRepoInitializer()
        initializer.policy = Data(policy.utf8)
        initializer.allowedSigners = Data(signers.utf8)
        let path = directory.appendingPathComponent("ops.git").path
        self.trustRoot = try initializer.initialize(at: path, bare: true).trustRoot
        self.ops = try OpsRepo(path: path)
        self.keys = keys
    }

    /// The path of `principal`'s private key file.
    package func keyPath(_ principal: String) -> String {
        directory.appendingPathComponent("keys/\(principal)").path
    }

    /// `principal`'s signing identity.
    package func identity(_ principal: String) throws -> SigningIdentity {
        guard let parsed = Principal(principal), let key = keys[parsed] else {
            throw WritError(.signerUnknown, "the sandbox has no key for \(principal)")
        }
        return SigningIdentity(principal: parsed, key: key)
    }

    /// `writ propose` as `principal`.
    @discardableResult
    package func propose(_ request: Proposer.Request, as principal: String, at date: Date = Date()) throws
        -> Proposer.Proposal
    {
        try Proposer(ops: ops).propose(request, as: try identity(principal), now: date)
    }

    /// `writ approve --merge` as `principal`.
    @discardableResult
    package func approve(
        _ id: IntentID, as principal: String, decision: Decision = .approve, expiresAt: Timestamp? = nil,
        merge: Bool = true, at date: Date = Date()
    ) throws -> Approver.Approval {
        var options = Approver.Options()
        options.decision = decision
        options.expiresAt = expiresAt
        options.merge = merge
        return try Approver(ops: ops).approve(id, options: options, as: try identity(principal), now: date)
    }

    /// Files an arbitrary record as `signer` (who may differ from the record's
    /// approver) on `approval/<id>` and merges it: how the demo and tests
    /// show what writ refuses.
    package func file(
        _ record: ApprovalRecord, signedBy signer: String, signatureBytes: Data? = nil, merge: Bool = true,
        at date: Date = Date()
    ) throws {
        let identity = try identity(signer)
        let bytes = Data(record.canonicalBytes())
        let signature =
            try signatureBytes ?? Data(identity.sign(bytes, namespace: ApprovalRecord.signatureNamespace).utf8)
        let branch = "approval/\(record.intent.rawValue)"
        try BranchAppender(repository: ops.repository).append(
            [record.path.path: bytes, record.signaturePath.path: signature], to: branch,
            message: "writ: \(record.decision.rawValue) \(record.intent) as \(record.approver)\n", signer: identity,
            at: date, createBranchFrom: try ops.governanceHead(), overwrite: true)
        if merge {
            try GovernanceMerger(ops: ops).merge(branch: branch, as: identity, now: date)
        }
    }

    /// Appends raw files to the ledger as `signer` (for intents writ would
    /// not write itself, such as one signed with the wrong key).
    package func appendToLedger(_ files: [String: Data], as signer: String, message: String, at date: Date = Date())
        throws
    {
        try BranchAppender(repository: ops.repository).append(
            files, to: ops.ledgerRef, message: message, signer: try identity(signer), at: date)
    }

    /// Every intent's verdict, as `writ status` computes it.
    package func status(at date: Date = Date()) throws -> OpsStatus {
        try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: date)
    }

    /// The policy `writ demo` uses: two admins, an operator, an agent and a dispatcher.
    package static let demoPolicy = PolicyFixture.demo.text

    package static let demoPrincipals = [
        "alice@example.com", "carol@example.com", "bob@example.com", "agent-1@example.com", "dispatch-1@example.com",
    ]
}
