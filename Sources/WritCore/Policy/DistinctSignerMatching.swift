/// Counts valid approvals so that each principal and each key counts at
/// most once (SPEC §4.4, §5).
///
/// This is a maximum bipartite matching between principals and keys: a
/// greedy pass could undercount (alice signed with keys K1 and K2, bob only
/// with K1: greedy may give alice K1 and leave bob out). Candidates are few,
/// so simple augmenting paths suffice. Candidates are tried in the order
/// given, so the result is deterministic.
enum DistinctSignerMatching {
    /// One valid approval: who, with which key: its canonical blob
    /// (`SSHPublicKey.blob`), so one RSA key written with and without a
    /// redundant leading zero byte is one key here, as in OpenSSH.
    struct Candidate {
        package let principal: Principal
        package let key: [UInt8]
    }

    /// The indices of the candidates chosen, ascending: no two share a
    /// principal or a key, and no larger such set exists.
    package static func match(_ candidates: [Candidate]) -> [Int] {
        let principals = Array(Set(candidates.map(\.principal))).sorted()
        var keyIndex: [[UInt8]: Int] = [:]
        for candidate in candidates where keyIndex[candidate.key] == nil {
            keyIndex[candidate.key] = keyIndex.count
        }
        // For each principal, the candidate indices it may use, in order.
        var options: [Principal: [Int]] = [:]
        for (index, candidate) in candidates.enumerated() { options[candidate.principal, default: []].append(index) }

        // keyOwner[k] = candidate index currently holding key k.
        var keyOwner = [Int?](repeating: nil, count: keyIndex.count)

        func augment(_ principal: Principal, _ visited: inout Set<Int>) -> Bool {
            for index in options[principal] ?? [] {
                guard let key = keyIndex[candidates[index].key], !visited.contains(key) else { continue }
                visited.insert(key)
                if let holder = keyOwner[key] {
                    if augment(candidates[holder].principal, &visited) {
                        keyOwner[key] = index
                        return true
                    }
                } else {
                    keyOwner[key] = index
                    return true
                }
            }
            return false
        }

        for principal in principals {
            var visited = Set<Int>()
            _ = augment(principal, &visited)
        }
        return keyOwner.compactMap { $0 }.sorted()
    }
}
