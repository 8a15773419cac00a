/// The decision of an approval or governance record: `approve` or `deny`.
public enum Decision: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case approve
    case deny

    public var description: String { rawValue }
}
