import ArgumentParser
import Foundation
import WritCore
import WritOps

/// `writ governance`: change `policy.toml` or `allowed_signers` under the
/// quorum rule of SPEC §5 without computing a digest or writing a record by hand.
struct Governance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Propose, approve and follow changes to policy.toml and allowed_signers.",
        discussion: """
            A change is adopted when its own tree holds a quorum of the trusted policy and of the new one \
            (SPEC §5). `propose` puts the new files on a branch governance/<digest prefix>, `approve` signs \
            records there, `status` shows which quorums are met; merging the branch with git adopts it. \
            docs/governance.md walks through a key rotation.
            """,
        subcommands: [Digest.self, Propose.self, Approve.self, Status.self])

    /// The trust root these commands walk from; a governance record's
    /// `replaces` is computed from it, so it is required.
    static func requireTrustRoot(_ root: ObjectID?) throws -> ObjectID {
        guard let root else {
            throw WritError(.trustRootMissing, "no trust root given (--trust or trust_root in --config)")
        }
        return root
    }

    /// The line that publishes `branch`.
    static func pushLine(_ repoOptions: RepoOptions, _ branch: String) -> String {
        (repoOptions.repoPath == "." ? "git" : "git -C \(repoOptions.repoPath)")
            + " push \(repoOptions.remote ?? "origin") \(branch)"
    }

    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the governance digest (SPEC §5) of two files, or of a revision's.",
            discussion: """
                sha256 of "policy.toml\\n" + hex(sha256(policy)) + "\\nallowed_signers\\n" + hex(sha256(signers)) \
                + "\\n". With --policy and --signers, of those files; otherwise of policy.toml and \
                allowed_signers at --rev (default: the governance branch).
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Option(help: "A policy.toml file (with --signers).")
        var policy: String?

        @Option(help: "An allowed_signers file (with --policy).")
        var signers: String?

        @Option(help: "A revision of the ops repo: a branch, a full ref name or a full commit id.")
        var rev: String?

        @Flag(help: "Print JSON: {\"digest\", \"policy_digest\", \"allowed_signers_digest\", \"source\"}.")
        var json = false

        func validate() throws {
            guard (policy == nil) == (signers == nil) else {
                throw ValidationError("--policy and --signers go together")
            }
            guard policy == nil || rev == nil else { throw ValidationError("give either the files or --rev") }
        }

        func run() throws {
            let policyBytes: Data
            let signersBytes: Data
            let source: String
            if let policy, let signers {
                // Files that cannot be read were never judged: runtime errors.
                policyBytes = try FileInput.readRequired(policy, option: "--policy")
                signersBytes = try FileInput.readRequired(
                    signers, option: "--signers", limit: AllowedSignersFile.limit)
                source = "\(policy), \(signers)"
            } else {
                let ops = try repoOptions.open()
                let revision = rev ?? ops.governanceRef
                guard let commit = try ops.repository.resolve(revision) else {
                    throw ValidationError("no revision \(revision) in \(repoOptions.repoPath)")
                }
                guard let files = try GovernanceWriter(ops: ops).files(at: commit) else {
                    throw WritError(
                        .policyMalformed, "\(revision) (\(commit.hex)) lacks policy.toml or allowed_signers")
                }
                (policyBytes, signersBytes) = files
                source = commit.hex
            }
            let digest = GovernanceDigest.compute(policy: policyBytes, allowedSigners: signersBytes)
            if json {
                struct Answer: Encodable {
                    let digest: String, policy_digest: String, allowed_signers_digest: String, source: String
                }
                try Output.printJSON(
                    Answer(
                        digest: digest.description, policy_digest: ContentDigest.sha256(of: policyBytes).description,
                        allowed_signers_digest: ContentDigest.sha256(of: signersBytes).description, source: source))
            } else {
                print(digest.description)
            }
        }
    }

    struct Propose: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a new policy.toml and allowed_signers on a branch governance/<digest prefix>.",
            discussion: """
                The branch starts at the governance head and holds the two files and \
                approvals/_governance/<digest>/request.toml (what changes, from which trusted state), in one \
                signed commit. The state replaced is the one trusted from --trust (or --config); without \
                either, the governance head's own files. The [governance] version of the proposed policy is set \
                to the replaced state's version + 1, the only version it can be adopted at (the rest of the \
                file, comments included, is kept as given). Prints the digest, the replaces value, the version \
                and the push line.
                """)

        @OptionGroup var repoOptions: RepoOptions
        @OptionGroup var trustOptions: TrustOptions
        @OptionGroup var signer: SignerOptions
        @OptionGroup var pushOptions: PushOptions

        @Option(help: "The new policy.toml.")
        var policy: String

        @Option(help: "The new allowed_signers.")
        var signers: String

        @Option(help: "A note for reviewers (decides nothing).")
        var note: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
            var writer = GovernanceWriter(ops: ops)
            writer.pushes = pushOptions.push
            let proposal = try writer.propose(
                policy: try FileInput.readRequired(policy, option: "--policy"),
                signers: try FileInput.readRequired(signers, option: "--signers", limit: AllowedSignersFile.limit),
                trustRoot: trustRoot, note: note, as: try signer.identity(try repoOptions.operatorConfig()), now: Date()
            )
            let request = proposal.request
            let push = Governance.pushLine(repoOptions, proposal.branch)
            if json {
                struct Answer: Encodable {
                    let digest: String, replaces: String, replaces_commit: String, changes: [String]
                    let branch: String, commit: String, push: String, version: Int
                }
                try Output.printJSON(
                    Answer(
                        digest: request.governanceDigest.description, replaces: request.replaces.description,
                        replaces_commit: request.replacesCommit.hex, changes: request.changes, branch: proposal.branch,
                        commit: proposal.commit.hex, push: push, version: proposal.version))
                return
            }
            print("Proposed governance \(request.governanceDigest)")
            print("  replaces \(request.replaces) (the state of \(request.replacesCommit.hex))")
            print("  changes  \(request.changes.joined(separator: ", "))")
            print("  version  \(proposal.version) ([governance] version, the replaced state's + 1)")
            print("  on branch \(proposal.branch) at \(proposal.commit.hex)")
            if pushOptions.push {
                print(RepoOptions.pushedLine(ops, [proposal.branch]))
            } else {
                print("Publish it:  \(push)")
            }
            // A hint only, printed after the write; the config was read above.
            let flags = SignerOptions.flagsHint(try? repoOptions.operatorConfig())
            print("Approve it:  writ governance approve \(request.governanceDigest)" + flags)
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a governance record approving DIGEST, on the branch holding the change.",
            discussion: """
                The record's replaces is the digest of the state trusted now, walked from --trust (or --config); \
                it is never typed. The record is signed under writ-governance with --key (FILE.sig) and, when \
                the change rotates your own key, also with --next-key (FILE.next.sig). The branch is \
                governance/<digest prefix> unless --branch names another; it must hold exactly DIGEST's files \
                (digest_mismatch otherwise). A record that would count in neither quorum is refused with its \
                reason code.
                """)

        @Argument(help: "The governance digest approved (sha256:<hex> or <hex>).")
        var digest: String

        @OptionGroup var repoOptions: RepoOptions
        @OptionGroup var trustOptions: TrustOptions
        @OptionGroup var signer: SignerOptions
        @OptionGroup var pushOptions: PushOptions

        @Option(help: "Your new private key, when the change rotates your own key.")
        var nextKey: String?

        @Option(help: "The branch holding the change (default governance/<first 12 hex of DIGEST>).")
        var branch: String?

        @Option(help: "A note for humans (decides nothing).")
        var note: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            guard let parsed = ContentDigest(parsing: digest) ?? ContentDigest(hex: digest) else {
                throw ValidationError("DIGEST must be sha256:<64 lower-case hex> or the 64 hex digits")
            }
            let (ops, root) = try trustOptions.resolve(repoOptions)
            let identity = try signer.identity(try repoOptions.operatorConfig())
            let next = try nextKey.map { try SigningIdentity(principal: identity.principal, keyPath: $0) }
            var writer = GovernanceWriter(ops: ops)
            writer.pushes = pushOptions.push
            let approval = try writer.approve(
                parsed, branch: branch, trustRoot: try Governance.requireTrustRoot(root), note: note, as: identity,
                next: next, now: Date())
            let push = Governance.pushLine(repoOptions, approval.branch)
            if json {
                struct Answer: Encodable {
                    let digest: String, replaces: String, approver: String, branch: String, commit: String
                    let next_signature: Bool, counts_under_trusted: Bool, counts_under_new: Bool, push: String
                }
                try Output.printJSON(
                    Answer(
                        digest: approval.record.governanceDigest.description,
                        replaces: approval.record.replaces.description, approver: approval.record.approver.rawValue,
                        branch: approval.branch, commit: approval.commit.hex,
                        next_signature: approval.signedWithNextKey, counts_under_trusted: approval.countsUnderTrusted,
                        counts_under_new: approval.countsUnderNew, push: push))
                return
            }
            print("Signed approval of governance \(approval.record.governanceDigest) as \(approval.record.approver)")
            print("  replaces \(approval.record.replaces)" + (approval.signedWithNextKey ? "; with .next.sig" : ""))
            print("  counts under the trusted policy: \(approval.countsUnderTrusted ? "yes" : "no")")
            print("  counts under the new policy:     \(approval.countsUnderNew ? "yes" : "no")")
            print("  on branch \(approval.branch) at \(approval.commit.hex)")
            if pushOptions.push {
                print(RepoOptions.pushedLine(ops, [approval.branch]))
            } else {
                print("Publish it:  \(push)")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the trusted governance state and how far a pending change has got.",
            discussion: """
                The pending change is the governance head when it is not trusted, or --branch's tip. For each \
                quorum (the trusted policy's, the new policy's): met or not, who is counted, and who of the \
                policy's [governance] roles has still to sign; then every record that does not count, with its \
                reason code; and what the change does to the policy, one sentence a difference (a kind \
                retiered, a role gaining a principal, a freeze window added with its times, ...). A change whose \
                [governance] version is not the trusted version + 1 is never \
                adopted, whatever records it holds; status says so. Exits 3 (still printing) when the governance \
                head is not trusted.
                """)

        @OptionGroup var repoOptions: RepoOptions
        @OptionGroup var trustOptions: TrustOptions

        @Option(help: "A proposal branch to judge (default: the governance head, when pending).")
        var branch: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let (ops, root) = try trustOptions.resolve(repoOptions)
            let trustRoot = try Governance.requireTrustRoot(root)
            let progress = try GovernanceProgress.evaluate(ops: ops, trustRoot: trustRoot, branch: branch, now: Date())
            let audit = try GovernanceAudit(ops: ops, trustRoot: trustRoot, now: Date())
            if json {
                try Output.printJSON(GovernanceStatusJSON(progress, audit: audit))
            } else {
                GovernanceStatusText.print(progress)
                GovernanceStatusText.print(audit)
            }
            if !progress.headTrusted { throw ExitCode(ExitStatus.runtime) }
        }
    }
}

/// The `--json` shape of `writ governance status`.
private struct GovernanceStatusJSON: Encodable {
    struct Quorum: Encodable {
        let policy: String, required: Int, met: Bool, counted: [String], missing: [String]
    }
    struct Discarded: Encodable {
        let path: String, principal: String?, reason: String, detail: String
    }
    struct Pending: Encodable {
        let commit: String, branch: String?, digest: String?, replaces: String, malformed: String?
        let version: Int?, version_problem: String?
        let adoptable: Bool, quorums: [Quorum], discarded: [Discarded]
        /// The policy diff in words, one sentence a difference.
        let policy_changes: [String]
    }
    struct Signer: Encodable {
        let line: Int, principals: String, options: String?, key_type: String, fingerprint: String, comment: String
    }
    let trusted_commit: String, trusted_digest: String, trusted_version: Int, head: String, head_trusted: Bool
    let reason: String?, detail: String, pending: Pending?
    /// The trusted allowed_signers, key by key, and the commit it is from.
    let signers: [Signer], signers_commit: String
    /// Adopted governance commits after the trust root, with committer and signature.
    let adoptions: [GovernanceAdoption]

    init(_ progress: GovernanceProgress, audit: GovernanceAudit) {
        signers = audit.signers.map {
            Signer(
                line: $0.line, principals: $0.principals, options: $0.options, key_type: $0.keyType,
                fingerprint: $0.fingerprint, comment: $0.comment)
        }
        signers_commit = audit.signersCommit.hex
        adoptions = audit.adoptions
        trusted_commit = progress.trusted.commit.hex
        trusted_digest = progress.trusted.digest.description
        trusted_version = progress.trusted.governanceVersion
        head = progress.head.hex
        head_trusted = progress.headTrusted
        reason = progress.reason?.rawValue
        detail = progress.detail
        pending = progress.pending.map { pending in
            Pending(
                commit: pending.commit.hex, branch: pending.branch, digest: pending.digest?.description,
                replaces: pending.replaces.description, malformed: pending.malformed, version: pending.version,
                version_problem: pending.versionProblem, adoptable: pending.adoptable,
                quorums: pending.quorums.map {
                    Quorum(
                        policy: $0.policy, required: $0.required, met: $0.met, counted: $0.counted.map(\.rawValue),
                        missing: $0.missing.map(\.rawValue))
                },
                discarded: pending.discarded.map {
                    Discarded(
                        path: $0.path, principal: $0.principal?.rawValue, reason: $0.reason.rawValue, detail: $0.detail)
                }, policy_changes: pending.policyChanges)
        }
    }
}

/// The human rendering of `writ governance status`.
private enum GovernanceStatusText {
    /// The trusted signers by fingerprint (compare with `ssh-keygen -lf`),
    /// then each adoption's committer and signature; all escaped.
    static func print(_ audit: GovernanceAudit) {
        Swift.print("signers (allowed_signers of \(audit.signersCommit.hex.prefix(12))):")
        for signer in audit.signers {
            let options = signer.options.map { " [\(TerminalText.escape($0))]" } ?? ""
            let comment = signer.comment.isEmpty ? "" : "  \(TerminalText.escape(signer.comment))"
            Swift.print(
                "  \(TerminalText.escape(signer.principals))\(options)  \(signer.keyType) \(signer.fingerprint)\(comment)"
            )
        }
        if audit.adoptions.isEmpty {
            Swift.print("adoptions: none since the trust root")
            return
        }
        Swift.print("adoptions:")
        for adoption in audit.adoptions {
            Swift.print(
                "  \(adoption.commit.hex.prefix(12)) at \(adoption.attestation.committedAt): \(adoption.digest), "
                    + "committed by \(adoption.attestation.committer), \(adoption.attestation.signatureText)")
        }
    }

    static func print(_ progress: GovernanceProgress) {
        Swift.print(
            "trusted: \(progress.trusted.digest) at \(progress.trusted.commit.hex), "
                + "[governance] version \(progress.trusted.governanceVersion)")
        Swift.print(
            "head:    \(progress.head.hex) "
                + (progress.headTrusted ? "(trusted)" : "NOT TRUSTED (\(progress.reason?.rawValue ?? "?"))"))
        guard let pending = progress.pending else {
            Swift.print("pending: none")
            return
        }
        Swift.print(
            "pending: \(pending.digest?.description ?? "-") at \(pending.commit.hex)"
                + (pending.branch.map { " (branch \($0))" } ?? " (the governance head)"))
        Swift.print("  replaces \(pending.replaces)")
        if let malformed = pending.malformed {
            Swift.print("  cannot be adopted: \(malformed)")
            return
        }
        if let version = pending.version {
            Swift.print(
                "  [governance] version \(version)"
                    + (pending.versionProblem == nil ? " (the trusted version + 1, as it must be)" : ""))
        }
        if let problem = pending.versionProblem {
            Swift.print("  cannot be adopted whatever it holds: \(problem)")
        }
        // Policy text (freeze names) is untrusted until adopted: escaped.
        if pending.policyChanges.isEmpty {
            Swift.print("  policy: no change in what it means")
        } else {
            Swift.print("  policy changes:")
            for sentence in pending.policyChanges { Swift.print("    - \(TerminalText.escape(sentence))") }
        }
        for quorum in pending.quorums {
            let counted = quorum.counted.map(\.rawValue).joined(separator: ", ")
            let missing = quorum.missing.map(\.rawValue).joined(separator: ", ")
            Swift.print(
                "  quorum of the \(quorum.policy) policy: \(quorum.met ? "met" : "not met") "
                    + "(\(quorum.counted.count) of \(quorum.required)); counted: \(counted.isEmpty ? "-" : counted); "
                    + "still to sign: \(missing.isEmpty ? "-" : missing)")
        }
        for record in pending.discarded {
            Swift.print("  discarded \(record.path): \(record.reason.rawValue): \(record.detail)")
        }
        Swift.print(pending.adoptable ? "  both quorums met: merging adopts it" : "  not adoptable yet")
    }
}
