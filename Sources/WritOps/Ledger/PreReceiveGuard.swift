import Foundation
import WritCore
import WritGit

/// `writ hook pre-receive` (SPEC §5, docs/forge-setup.md): what a
/// self-hosted git server refuses before any ref moves.
///
/// - The governance branch: a push must keep the old tip on the new tip's
///   **first-parent** chain. A `git pull --no-rebase` merge pushed by an
///   operator puts the local commit first and the server's tip second:
///   refused (`history_rewritten`), as is a force push and a deletion.
/// - The ledger branch: a push must be an append-only fast-forward (SPEC
///   §3): every new commit has one parent and only adds regular files under
///   `intents/` and `audit/`; anything else is `ledger_violation` (the same
///   rule, `LedgerWalk.appendProblem`, that the dispatcher applies). A
///   non-fast-forward or a deletion is `history_rewritten`.
/// - Every other ref passes untouched.
///
/// It reads objects only and never runs git; the objects of the push
/// itself must be visible to `repository` (see
/// `Repository.addHookObjectDirectories(environment:)`).
package struct PreReceiveGuard {
    /// One line of git's pre-receive input: `<old-id> <new-id> <refname>`.
    package struct Update: Sendable, Hashable {
        /// Nil when the ref is being created.
        package let old: ObjectID?
        /// Nil when the ref is being deleted.
        package let new: ObjectID?
        package let ref: String

        package init(old: ObjectID?, new: ObjectID?, ref: String) {
            self.old = old
            self.new = new
            self.ref = ref
        }
    }

    /// A ref update the hook refuses, with its one reason code.
    package struct Refusal: Sendable, Hashable, CustomStringConvertible {
        package let ref: String
        package let reason: ReasonCode
        package let detail: String

        /// `refused <ref>: <reason>: <detail>`, the line the pusher sees.
        /// Ref names and paths come from the push: control and bidi
        /// characters are shown escaped, never sent to a terminal.
        package var description: String {
            "refused \(Self.visible(ref)): \(reason.rawValue): \(Self.visible(detail))"
        }

        static func visible(_ text: String) -> String {
            var out = ""
            for scalar in text.unicodeScalars {
                let value = scalar.value
                let bidi =
                    (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
                    || value == 0x200E || value == 0x200F || value == 0x061C
                if value < 0x20 || (0x7F...0x9F).contains(value) || bidi {
                    out += "\\u{\(String(value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    package let repository: Repository
    /// Full reference names (`refs/heads/main`).
    package let governanceRef: String
    package let ledgerRef: String

    /// `governanceRef` and `ledgerRef` are branch names (`main`) or full
    /// reference names (`refs/heads/main`).
    package init(
        repository: Repository, governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef
    ) {
        self.repository = repository
        self.governanceRef = OpsRepo.refName(governanceRef)
        self.ledgerRef = OpsRepo.refName(ledgerRef)
    }

    /// Parses git's pre-receive input. A line that is not
    /// `<40 hex> <40 hex> <refname>` is an error: the hook then refuses the
    /// whole push rather than guess.
    package static func parse(_ input: String) throws -> [Update] {
        try input.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, let old = ObjectID(hex: fields[0]), let new = ObjectID(hex: fields[1]),
                fields[0].count == 40, fields[1].count == 40, !fields[2].isEmpty
            else {
                throw RuntimeError(
                    "unreadable pre-receive input line \(String(reflecting: String(line.prefix(200))))",
                    fix: "the hook's standard input (git's pre-receive protocol)")
            }
            return Update(old: old.isZero ? nil : old, new: new.isZero ? nil : new, ref: fields[2])
        }
    }

    /// The refusals for `updates`, in input order; empty when every update
    /// may go ahead.
    package func judge(_ updates: [Update]) throws -> [Refusal] {
        var refusals: [Refusal] = []
        for update in updates {
            let problem: (ReasonCode, String)?
            switch update.ref {
            case governanceRef: problem = try governanceProblem(update)
            case ledgerRef: problem = try ledgerProblem(update)
            default: problem = nil
            }
            if let (reason, detail) = problem {
                refusals.append(Refusal(ref: update.ref, reason: reason, detail: detail))
            }
        }
        return refusals
    }

    private func governanceProblem(_ update: Update) throws -> (ReasonCode, String)? {
        guard let new = update.new else {
            return (.historyRewritten, "the governance branch may not be deleted")
        }
        guard let old = update.old else { return nil }
        if try isOnFirstParentChain(old, of: new) { return nil }
        if try repository.isDescendant(new, of: old) {
            return (
                .historyRewritten,
                "\(old.hex), the current tip, is not on the first-parent chain of \(new.hex) (a merge that puts "
                    + "the server's tip second, as `git pull` makes); rebuild it linearly: git fetch; "
                    + "git switch -C \(Self.branchName(governanceRef)) origin/\(Self.branchName(governanceRef)); "
                    + "git merge --no-ff <branch>; push"
            )
        }
        return (.historyRewritten, "\(new.hex) does not descend from the current tip \(old.hex) (a force push)")
    }

    private func ledgerProblem(_ update: Update) throws -> (ReasonCode, String)? {
        guard let new = update.new else {
            return (.historyRewritten, "the ledger branch may not be deleted")
        }
        let commits: [ObjectID]
        if let old = update.old {
            guard try isOnFirstParentChain(old, of: new) else {
                if try repository.isDescendant(new, of: old) {
                    return (
                        .ledgerViolation,
                        "\(new.hex) reaches the current tip \(old.hex) only through a merge; the ledger is "
                            + "fast-forward only"
                    )
                }
                return (.historyRewritten, "\(new.hex) does not descend from the current tip \(old.hex)")
            }
            commits = try repository.firstParentHistory(from: new, to: old)
        } else {
            // A new ledger branch: every commit from its root is judged.
            commits = try repository.firstParentHistory(from: new, to: nil)
        }
        var problems: [String] = []
        for id in commits {
            let commit = try repository.commit(id)
            if commit.parents.count > 1 {
                problems.append("ledger commit \(id.hex) is a merge; the ledger is fast-forward only")
                continue
            }
            let changes: [TreeChange]
            do {
                changes = try repository.diff(from: commit.parents.first, to: id)
            } catch GitUsageError.malformedTree(let tree, let problem) {
                problems.append("ledger commit \(id.hex) holds a malformed tree \(tree.hex): \(problem)")
                continue
            }
            for change in changes {
                if let problem = LedgerWalk.appendProblem(change) {
                    problems.append("ledger commit \(id.hex) \(problem); the ledger is append-only")
                }
            }
        }
        guard let first = problems.first else { return nil }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        return (.ledgerViolation, first + more)
    }

    /// True when `old` is on the first-parent chain of `new` (or is `new`).
    private func isOnFirstParentChain(_ old: ObjectID, of new: ObjectID) throws -> Bool {
        // Any-parent reachability first: the first-parent walk to an
        // unrelated commit would read the whole history to say no.
        guard try repository.isDescendant(new, of: old) else { return false }
        do {
            _ = try repository.firstParentHistory(from: new, to: old)
            return true
        } catch GitUsageError.notOnFirstParentChain {
            return false
        }
    }

    /// `main` for `refs/heads/main`.
    package static func branchName(_ ref: String) -> String {
        ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : ref
    }
}
