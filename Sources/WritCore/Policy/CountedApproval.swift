/// One approval that counts toward a tier's quorum: what a `claimed` event lists.
package struct CountedApproval: Sendable, Hashable, Codable {
    package let approver: Principal
    /// The governance commit that introduced the record version counted.
    package let commit: ObjectID
    /// sha256 of the record's bytes.
    package let recordDigest: ContentDigest

    package enum CodingKeys: String, CodingKey {
        case approver, commit
        case recordDigest = "record_digest"
    }
}
