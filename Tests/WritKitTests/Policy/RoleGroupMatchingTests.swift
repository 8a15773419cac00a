import Foundation
import Testing

@testable import WritCore
@testable import WritSystem
@testable import WritTestSupport

/// `require` groups (SPEC §4.6): the assignment of approvers to groups,
/// checked against a brute-force oracle over every shape that matters,
/// and the two ways role groups are known to go wrong.
@Suite("Role groups: the assignment against a brute-force oracle")
struct RoleGroupMatchingTests {
    static let people = (0..<6).map { PolicyWorld.principal("p\($0)@example.com") }
    /// One distinct key a principal (blobs only matter for equality here).
    static func key(_ index: Int) -> [UInt8] { [0xAB, UInt8(index)] }

    // MARK: The oracle

    /// Tries every map principal → {none, group i} that respects each
    /// principal's groups and gives no key twice; returns the longest
    /// prefix of groups that one map meets together (so `groups.count`
    /// when all can be met).
    static func oracleMetPrefix(
        approvers: [(eligible: Set<Int>, key: Int)], needs: [Int]
    ) -> Int {
        var counts = [Int](repeating: 0, count: needs.count)
        var usedKeys = [Bool](repeating: false, count: 256)
        let eligible = approvers.map { $0.eligible.sorted() }
        var best = 0
        func prefixMet() -> Int {
            var length = 0
            while length < needs.count, counts[length] >= needs[length] { length += 1 }
            return length
        }
        func walk(_ index: Int) {
            if best == needs.count { return }
            guard index < approvers.count else {
                best = max(best, prefixMet())
                return
            }
            walk(index + 1)  // not assigned
            let approver = approvers[index]
            guard !usedKeys[approver.key] else { return }
            for group in eligible[index] {
                counts[group] += 1
                usedKeys[approver.key] = true
                walk(index + 1)
                usedKeys[approver.key] = false
                counts[group] -= 1
            }
        }
        walk(0)
        return best
    }

    /// Checks one case: the matching's verdict equals the oracle's, and
    /// what it assigned is an assignment the rules allow.
    static func check(
        _ approvers: [(principal: Principal, eligible: Set<Int>, key: [UInt8])], needs: [Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> RoleGroupMatching.Assignment? {
        let candidates = approvers.map { RoleGroupMatching.Candidate(principal: $0.principal, key: $0.key) }
        let groups = needs.indices.map { group in
            RoleGroupMatching.Group(
                approvals: needs[group],
                eligible: Set(approvers.filter { $0.eligible.contains(group) }.map(\.principal)))
        }
        let assignment = RoleGroupMatching.assign(candidates, to: groups)
        let metOnly = RoleGroupMatching.assign(candidates, to: groups, extras: false)
        let prefix = oracleMetPrefix(approvers: approvers.map { ($0.eligible, Int($0.key[1])) }, needs: needs)
        let expected = prefix == needs.count ? nil : prefix
        var ok = assignment.firstUnmet == expected && metOnly.firstUnmet == expected
        // What was assigned is allowed: eligible, no principal or key twice.
        var principals = Set<Principal>()
        var keys = Set<[UInt8]>()
        for (group, indices) in assignment.groups.enumerated() {
            for index in indices {
                ok = ok && approvers[index].eligible.contains(group)
                ok = ok && principals.insert(approvers[index].principal).inserted
                ok = ok && keys.insert(approvers[index].key).inserted
            }
        }
        // Groups before the first unmet one are met; that one is not.
        for (group, indices) in assignment.groups.enumerated() {
            if group < (expected ?? needs.count) { ok = ok && indices.count >= needs[group] }
            if group == expected { ok = ok && indices.count < needs[group] }
        }
        for (group, indices) in metOnly.groups.enumerated() { ok = ok && indices.count <= needs[group] }
        // With extras, an approver left out has no free key for any of its groups.
        for approver in approvers where !principals.contains(approver.principal) {
            ok = ok && (approver.eligible.isEmpty || keys.contains(approver.key))
        }
        if !ok {
            let shape = approvers.map { "\($0.principal.rawValue) \($0.eligible.sorted()) \($0.key)" }
            let comment = Comment(
                rawValue:
                    "needs \(needs), approvers \(shape): got \(assignment), oracle first unmet \(String(describing: expected))"
            )
            Issue.record(comment, sourceLocation: sourceLocation)
        }
        return ok ? assignment : nil
    }

    // MARK: The acceptance table

    /// Every shape of up to 6 approving principals over up to 3 groups:
    /// a principal matters to the assignment only through the set of
    /// groups whose roles it holds (any role overlap between groups shows
    /// up as a principal eligible for several), so every multiset of
    /// eligibility sets, with every group count of 1 or 2, is every case.
    @Test func everyShapeOfUpToSixApproversOverUpToThreeGroupsAgreesWithTheOracle() {
        var cases = 0
        var unmet = 0
        for groupCount in 1...3 {
            let masks = 1 << groupCount
            for needBits in 0..<(1 << groupCount) {
                let needs = (0..<groupCount).map { (needBits >> $0) & 1 == 1 ? 2 : 1 }
                // Non-decreasing sequences of masks: multisets of principals.
                func extend(_ chosen: [Int]) {
                    let approvers = chosen.enumerated().map { index, mask in
                        (
                            principal: Self.people[index],
                            eligible: Set((0..<groupCount).filter { (mask >> $0) & 1 == 1 }), key: Self.key(index)
                        )
                    }
                    cases += 1
                    guard let assignment = Self.check(approvers, needs: needs) else { return }
                    if !assignment.met { unmet += 1 }
                    guard chosen.count < 6 else { return }
                    for mask in (chosen.last ?? 0)..<masks { extend(chosen + [mask]) }
                }
                extend([])
            }
        }
        // Multisets of up to 6 of 2^G masks: 28 for 1 group, 210 for 2,
        // 3003 for 3; times 2^G choices of counts.
        #expect(cases == 2 * 28 + 4 * 210 + 8 * 3003)
        #expect(unmet > 0 && unmet < cases)
    }

    /// Keys shared between principals: a key listed under two principals
    /// counts in at most one group, whichever principals signed with it.
    /// Every eligibility of 4 principals over 2 groups (every count) and of
    /// 3 principals over 3 groups (all counts 1, or all 2), with every
    /// partition of the principals into key holders.
    @Test func everySharingOfKeysAgreesWithTheOracle() {
        var cases = 0
        for (groupCount, people) in [(2, 4), (3, 3)] {
            let masks = 1 << groupCount
            for needBits in groupCount == 2 ? [0, 1, 2, 3] : [0, 7] {
                let needs = (0..<groupCount).map { (needBits >> $0) & 1 == 1 ? 2 : 1 }
                for partition in Self.partitions(of: people) {
                    for combination in 0..<Int(pow(Double(masks), Double(people))) {
                        let approvers = (0..<people).map { index in
                            let mask = (combination >> (index * groupCount)) & (masks - 1)
                            return (
                                principal: Self.people[index],
                                eligible: Set((0..<groupCount).filter { (mask >> $0) & 1 == 1 }),
                                key: Self.key(partition[index])
                            )
                        }
                        cases += 1
                        guard Self.check(approvers, needs: needs) != nil else { return }
                    }
                }
            }
        }
        // Bell numbers: 15 partitions of 4, 5 of 3.
        #expect(cases == 4 * 15 * 256 + 2 * 5 * 512)
    }

    /// Every partition of `n` items as a restricted growth string.
    static func partitions(of n: Int) -> [[Int]] {
        var result: [[Int]] = []
        func grow(_ prefix: [Int]) {
            guard prefix.count < n else {
                result.append(prefix)
                return
            }
            for next in 0...((prefix.max() ?? -1) + 1) { grow(prefix + [next]) }
        }
        grow([])
        return result
    }

    // MARK: The two known failure shapes

    /// An approver holding the roles of two groups counted in both: one
    /// person who is both `admin` and `security` fills one group only.
    @Test func anApproverInTwoGroupsCountsInOne() {
        let both = Self.people[0]
        let assignment = RoleGroupMatching.assign(
            [.init(principal: both, key: Self.key(0))],
            to: [.init(approvals: 1, eligible: [both]), .init(approvals: 1, eligible: [both])])
        #expect(assignment.firstUnmet == 1)
        #expect(assignment.groups == [[0], []])
        // Near miss: a second person fills the other group.
        let second = RoleGroupMatching.assign(
            [.init(principal: both, key: Self.key(0)), .init(principal: Self.people[1], key: Self.key(1))],
            to: [.init(approvals: 1, eligible: [both]), .init(approvals: 1, eligible: [both, Self.people[1]])])
        #expect(second.met && second.groups == [[0], [1]])
    }

    /// Overlapping groups where first-come blocks forever: group 1 takes
    /// `[admin, security]`, group 2 only `[admin]`; alice (admin) comes
    /// first and would fill group 1, leaving sam (security) nowhere to go.
    /// The assignment puts sam in group 1 and alice in group 2.
    @Test func overlappingGroupsAreFilledWheneverAnAssignmentExists() {
        let alice = PolicyWorld.principal("alice@example.com")
        let sam = PolicyWorld.principal("sam@example.com")
        let assignment = RoleGroupMatching.assign(
            [.init(principal: alice, key: Self.key(0)), .init(principal: sam, key: Self.key(1))],
            to: [.init(approvals: 1, eligible: [alice, sam]), .init(approvals: 1, eligible: [alice])])
        #expect(assignment.met)
        #expect(assignment.groups == [[1], [0]])
    }

    @Test func aKeyUnderTwoPrincipalsFillsOneGroup() {
        let carol = Self.people[2]
        let dave = Self.people[3]
        let shared = Self.key(9)
        let groups: [RoleGroupMatching.Group] = [
            .init(approvals: 1, eligible: [carol]), .init(approvals: 1, eligible: [dave]),
        ]
        let one = RoleGroupMatching.assign(
            [.init(principal: carol, key: shared), .init(principal: dave, key: shared)], to: groups)
        #expect(one.firstUnmet == 1)
        // Near miss: dave re-signs with a key of his own.
        let two = RoleGroupMatching.assign(
            [
                .init(principal: carol, key: shared), .init(principal: dave, key: shared),
                .init(principal: dave, key: Self.key(4)),
            ], to: groups)
        #expect(two.met && two.groups == [[0], [2]])
    }

    // MARK: Roles, through the engine's count

    /// Through ``DecisionEngine/countQuorum(_:rule:policy:extras:)`` with a
    /// real policy: principals with any subset of three roles, approving or
    /// not, a tier of one `r0` approval and groups over overlapping role
    /// sets. Every multiset of up to 3 principals with every single group
    /// and a seeded sample of second and third groups, then a seeded
    /// sample of 4 to 6 principals; checked against the oracle (the tier's
    /// own count is independent of the groups). Every shape of up to 6
    /// principals is covered without roles by the first test.
    @Test func rolesThroughTheEngineCountAgreeWithTheOracle() throws {
        var random = SeededRandom("rolesThroughTheEngineCountAgreeWithTheOracle")
        let roleNames = ["r0", "r1", "r2"]
        let keys = (0..<6).map { _ in SSHEd25519PrivateKey.generate().publicKey }
        let intentID = try #require(IntentID("deploy-1"))
        func valid(_ index: Int) throws -> ApprovalCheck.Valid {
            let record = try ApprovalRecord(
                intent: intentID, intentDigest: .sha256(of: [UInt8]()), tier: .high, decision: .approve,
                approver: Self.people[index], createdAt: PolicyWorld.created, expiresAt: nil)
            let bytes = Data(record.canonicalBytes())
            return ApprovalCheck.Valid(
                evidence: ApprovalEvidence(
                    path: record.path.path, bytes: bytes, signature: nil, commit: oid(100 + index)),
                record: record, key: keys[index], recordDigest: .sha256(of: bytes))
        }
        let records = try (0..<6).map(valid)
        let groupChoices: [Policy.RoleGroup] = (1..<8).flatMap { mask in
            [1, 2].map {
                Policy.RoleGroup(
                    approvals: $0, roles: roleNames.indices.filter { (mask >> $0) & 1 == 1 }.map { roleNames[$0] })
            }
        }
        // A principal: a role set (3 bits) and whether it approved (bit 3).
        var cases = 0
        func run(_ states: [Int], _ groups: [Policy.RoleGroup]) throws {
            var roles: [String: [String]] = [:]
            for (index, state) in states.enumerated() {
                for (bit, role) in roleNames.enumerated() where (state >> bit) & 1 == 1 {
                    roles[role, default: []].append(Self.people[index].rawValue)
                }
            }
            // The policy refuses a group its roles can never meet, and so does this table.
            for group in groups {
                let holders = Set(group.roles.flatMap { roles[$0] ?? [] })
                if holders.count < group.approvals { return }
            }
            let policy = try Policy(
                tiers: [.high: Policy.Rule(approvals: 1, roles: ["r0"], require: groups)],
                roles: Dictionary(
                    uniqueKeysWithValues: roleNames.map { role in
                        (role, (roles[role] ?? []).map { PolicyWorld.principal($0) })
                    }),
                governance: Policy.Rule(approvals: 1, roles: ["r0"]))
            let rule = try #require(policy.rule(for: .high))
            let approving = states.indices.filter { states[$0] & 8 == 8 }
            let quorum = DecisionEngine.countQuorum(approving.map { records[$0] }, rule: rule, policy: policy)
            let approvers = approving.map { index in
                (
                    eligible: Set(
                        groups.indices.filter { group in
                            groups[group].roles.contains { role in
                                roles[role]?.contains(Self.people[index].rawValue) ?? false
                            }
                        }), key: index
                )
            }
            let prefix = Self.oracleMetPrefix(approvers: approvers, needs: groups.map(\.approvals))
            let tierMet = approving.contains { states[$0] & 1 == 1 }
            cases += 1
            #expect(quorum.groups.firstUnmet == (prefix == groups.count ? nil : prefix), "\(states) \(groups)")
            #expect((quorum.tier.count >= 1) == tierMet, "\(states) \(groups)")
            #expect(
                DecisionEngine.quorumMet(approving.map { records[$0] }.reversed(), rule: rule, policy: policy)
                    == (tierMet && prefix == groups.count), "\(states) \(groups)")
        }
        func principals(_ chosen: [Int], upTo limit: Int, _ body: ([Int]) throws -> Void) rethrows {
            try body(chosen)
            guard chosen.count < limit else { return }
            for state in (chosen.last ?? 0)..<16 { try principals(chosen + [state], upTo: limit, body) }
        }
        try principals([], upTo: 3) { states in
            for first in groupChoices {
                try run(states, [first])
            }
            let second = groupChoices[Int.random(in: 0..<groupChoices.count, using: &random)]
            let third = groupChoices[Int.random(in: 0..<groupChoices.count, using: &random)]
            try run(states, [groupChoices[Int.random(in: 0..<groupChoices.count, using: &random)], second])
            try run(states, [groupChoices[Int.random(in: 0..<groupChoices.count, using: &random)], second, third])
        }
        for _ in 0..<3000 {
            let count = Int.random(in: 4...6, using: &random)
            let states = (0..<count).map { _ in Int.random(in: 0..<16, using: &random) }
            let groups = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                groupChoices[Int.random(in: 0..<groupChoices.count, using: &random)]
            }
            try run(states, groups)
        }
        #expect(cases > 5000)
    }
}
