import Foundation

/// Whether a policy's `[governance]` quorum can ever be met with the keys an
/// `allowed_signers` file lists (SPEC §5).
///
/// A governance change needs `approvals` distinct principals holding a
/// `[governance]` role, each with a distinct key trusted for them under
/// `writ-governance`. When no such set exists, `policy.toml` and
/// `allowed_signers` can never change again: no record can be made that
/// counts. `writ init` refuses to pin such a state as the trust root.
/// Pure: the caller passes both states and the clock.
package enum GovernanceReach {
    /// The answer: how many governors can sign with distinct keys, out of
    /// how many the quorum needs, and who they are.
    package struct Answer: Sendable, Equatable {
        /// `[governance] approvals`.
        package let required: Int
        /// `[governance] roles`.
        package let roles: [String]
        /// Every principal holding one of those roles, sorted.
        package let governors: [String]
        /// Those with at least one key trusted for `writ-governance` now, sorted.
        package let withKeys: [String]
        /// The largest set of governors with pairwise distinct keys.
        package let reachable: Int

        /// Whether the quorum can be met.
        package var meetable: Bool { reachable >= required }

        /// Why the quorum cannot be met, for humans; nil when it can.
        package var problem: String? {
            guard !meetable else { return nil }
            let roleList = roles.joined(separator: ", ")
            let need = "its [governance] quorum needs \(required) approval(s) from role(s) \(roleList)"
            if governors.isEmpty {
                return "\(need), and no principal holds those roles in [roles]"
            }
            if withKeys.isEmpty {
                return "\(need), and none of " + governors.joined(separator: ", ")
                    + " has a key in allowed_signers trusted for namespace writ-governance"
            }
            return "\(need), and only \(reachable) of them can sign with distinct keys in allowed_signers ("
                + withKeys.joined(separator: ", ") + ")"
        }
    }

    /// How far `policy`'s governance quorum can be met with `signers` at `now`.
    package static func evaluate(policy: Policy, signers: AllowedSigners, now: Date) -> Answer {
        let governors = Array(Set(policy.governance.roles.flatMap { policy.principals(inRole: $0) })).sorted()
        var candidates: [DistinctSignerMatching.Candidate] = []
        for governor in governors {
            for entry in signers.entries
            where entry.matches(principal: governor.rawValue)
                && entry.refusal(namespace: GovernanceRecord.signatureNamespace, at: now) == nil
            {
                candidates.append(.init(principal: governor, key: entry.key.blob))
            }
        }
        let withKeys = Array(Set(candidates.map(\.principal))).sorted().map(\.rawValue)
        return Answer(
            required: policy.governance.approvals, roles: policy.governance.roles,
            governors: governors.map(\.rawValue), withKeys: withKeys,
            reachable: DistinctSignerMatching.match(candidates).count)
    }

    /// Parses both files (as `writ init` does) and evaluates them.
    package static func evaluate(policy: Data, signers: Data, now: Date) throws -> Answer {
        let parsed = try Policy.parse(policy)
        guard let text = String(data: signers, encoding: .utf8) else {
            throw WritError(.policyMalformed, "allowed_signers is not valid UTF-8")
        }
        let allowed: AllowedSigners
        do {
            allowed = try AllowedSigners(parsing: text)
        } catch {
            throw error.writError
        }
        return evaluate(policy: parsed, signers: allowed, now: now)
    }
}
