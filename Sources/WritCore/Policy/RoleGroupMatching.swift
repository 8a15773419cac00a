/// Assigns valid approvals to a tier's `require` groups (SPEC §4.6), so
/// that each principal and each key counts in at most one group, and every
/// group is met whenever some assignment meets them all.
///
/// A first-come pass gets both ways wrong that role groups are known to go
/// wrong: it counts one approver in two groups, or it puts the only
/// approver who could fill group B into group A (whose roles overlap B's)
/// and leaves B unmet forever. This is an exact maximum flow instead:
///
///     source → group g (capacity g.approvals) → principal (capacity 1)
///            → key (capacity 1) → sink
///
/// with an edge group → principal when the principal holds one of the
/// group's roles, and principal → key for each valid approval. Groups are
/// added one at a time in policy order, each augmented to a maximum before
/// the next: augmenting paths never lower the flow out of the source, so
/// the first group left short is the first `k` for which groups `0...k`
/// cannot all be met together, which is the group a `detail` names. Then
/// every capacity out of the source is lifted, so an approval beyond a
/// group's count still counts (and is listed), as extra approvals beyond a
/// tier's count do; that never takes a principal away from a group.
///
/// Candidates are tried in the order given (the engine sorts them by
/// principal, then path), and every search is breadth-first over edges in
/// insertion order, so the result is deterministic. The graphs are tiny
/// (a handful of groups, principals and keys): plain augmenting paths do.
package enum RoleGroupMatching {
    /// One valid approval: who, with which key (its canonical blob).
    package struct Candidate: Sendable, Equatable {
        package let principal: Principal
        package let key: [UInt8]

        package init(principal: Principal, key: [UInt8]) {
            self.principal = principal
            self.key = key
        }
    }

    /// One group: how many it needs, and which principals hold one of its roles.
    package struct Group: Sendable, Equatable {
        package let approvals: Int
        package let eligible: Set<Principal>

        package init(approvals: Int, eligible: Set<Principal>) {
            self.approvals = approvals
            self.eligible = eligible
        }
    }

    /// What the matching found.
    package struct Assignment: Sendable, Equatable {
        /// For each group, in policy order, the indices of the candidates
        /// assigned to it, ascending. No principal and no key appears twice
        /// across all groups.
        package let groups: [[Int]]
        /// The first group, in policy order, with fewer assigned than it
        /// needs; nil when every group is met.
        package let firstUnmet: Int?

        /// Whether every group is met.
        package var met: Bool { firstUnmet == nil }
    }

    /// Assigns `candidates` to `groups`. With `extras` false, each group
    /// takes at most its own count (enough to answer "is it met?");
    /// with `extras` true, every candidate that can still count in some
    /// group is assigned too.
    package static func assign(_ candidates: [Candidate], to groups: [Group], extras: Bool = true) -> Assignment {
        var network = Network()
        let source = network.addNode()
        let sink = network.addNode()

        // Principals in sorted order, each split into an in and an out node
        // joined by capacity 1: a principal counts in at most one group.
        let principals = Array(Set(candidates.map(\.principal))).sorted()
        var principalIndex: [Principal: Int] = [:]
        var principalIn: [Int] = []
        var principalOut: [Int] = []
        for (index, principal) in principals.enumerated() {
            principalIndex[principal] = index
            principalIn.append(network.addNode())
            principalOut.append(network.addNode())
            network.addEdge(principalIn[index], principalOut[index], capacity: 1)
        }
        // Keys in first-seen order, each to the sink with capacity 1: a key
        // counts in at most one group. One (principal, key) pair is one edge,
        // from its first candidate.
        var keyNode: [[UInt8]: Int] = [:]
        var pairEdges: [(edge: Int, candidate: Int, principal: Int)] = []
        // A (principal, key node) pair as one number: no key node's index
        // reaches `stride` (the source, the sink, two nodes a principal, one a key).
        let stride = 2 * principals.count + candidates.count + 2
        var pairSeen = Set<Int>()
        for (index, candidate) in candidates.enumerated() {
            let node: Int
            if let existing = keyNode[candidate.key] {
                node = existing
            } else {
                node = network.addNode()
                keyNode[candidate.key] = node
                network.addEdge(node, sink, capacity: 1)
            }
            guard let principal = principalIndex[candidate.principal],
                pairSeen.insert(principal * stride + node).inserted
            else { continue }
            pairEdges.append((network.addEdge(principalOut[principal], node, capacity: 1), index, principal))
        }

        // Groups one at a time, in policy order.
        var sourceEdges: [Int] = []
        var groupEdges: [[(edge: Int, principal: Int)]] = []
        var firstUnmet: Int?
        for (position, group) in groups.enumerated() {
            let node = network.addNode()
            sourceEdges.append(network.addEdge(source, node, capacity: max(group.approvals, 0)))
            var edges: [(edge: Int, principal: Int)] = []
            for (index, principal) in principals.enumerated() where group.eligible.contains(principal) {
                edges.append((network.addEdge(node, principalIn[index], capacity: 1), index))
            }
            groupEdges.append(edges)
            while network.augment(from: source, to: sink) {}
            if firstUnmet == nil, network.flow(sourceEdges[position]) < group.approvals {
                firstUnmet = position
            }
        }
        if extras {
            for edge in sourceEdges { network.setCapacity(edge, principals.count + 1) }
            while network.augment(from: source, to: sink) {}
        }

        // Read the assignment back: a group's edge into a principal carries
        // flow, and that principal's edge into a key names the candidate.
        var chosen = [Int?](repeating: nil, count: principals.count)
        for pair in pairEdges where network.flow(pair.edge) > 0 { chosen[pair.principal] = pair.candidate }
        let assigned = groupEdges.map { edges in
            edges.compactMap { network.flow($0.edge) > 0 ? chosen[$0.principal] : nil }.sorted()
        }
        return Assignment(groups: assigned, firstUnmet: firstUnmet)
    }

    /// A flow network with integer capacities; edges are stored in pairs
    /// (forward at an even index, its residual at the next).
    private struct Network {
        private var targets: [Int] = []
        private var capacities: [Int] = []
        private var flows: [Int] = []
        private var adjacency: [[Int]] = []

        mutating func addNode() -> Int {
            adjacency.append([])
            return adjacency.count - 1
        }

        @discardableResult
        mutating func addEdge(_ from: Int, _ to: Int, capacity: Int) -> Int {
            let index = targets.count
            targets += [to, from]
            capacities += [capacity, 0]
            flows += [0, 0]
            adjacency[from].append(index)
            adjacency[to].append(index + 1)
            return index
        }

        mutating func setCapacity(_ edge: Int, _ capacity: Int) { capacities[edge] = capacity }

        func flow(_ edge: Int) -> Int { flows[edge] }

        /// Pushes one unit along a shortest augmenting path; false when none is left.
        mutating func augment(from source: Int, to sink: Int) -> Bool {
            var via = [Int?](repeating: nil, count: adjacency.count)
            var visited = [Bool](repeating: false, count: adjacency.count)
            visited[source] = true
            var queue = [source]
            var head = 0
            while head < queue.count, !visited[sink] {
                let node = queue[head]
                head += 1
                for edge in adjacency[node] where !visited[targets[edge]] && capacities[edge] - flows[edge] > 0 {
                    visited[targets[edge]] = true
                    via[targets[edge]] = edge
                    queue.append(targets[edge])
                }
            }
            guard visited[sink] else { return false }
            var node = sink
            while let edge = via[node] {
                flows[edge] += 1
                flows[edge ^ 1] -= 1
                node = targets[edge ^ 1]
            }
            return true
        }
    }
}
