/// One approval that counts toward a tier's quorum: what a `claimed` event lists.
public struct CountedApproval: Sendable, Hashable, Codable {
    public let approver: Principal
    /// The governance commit that introduced the record version counted.
    public let commit: ObjectID
    /// sha256 of the record's bytes.
    public let recordDigest: ContentDigest

    package enum CodingKeys: String, CodingKey {
        case approver, commit
        case recordDigest = "record_digest"
    }
}
