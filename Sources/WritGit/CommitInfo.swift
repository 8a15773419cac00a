import Foundation
import WritCore

/// A person and moment recorded on a commit (author or committer).
public struct GitIdentity: Sendable, Hashable {
    public let name: String
    public let email: String
    public let date: Date
    /// Offset of the recorded local time from UTC, in minutes.
    let utcOffsetMinutes: Int

    public init(name: String, email: String, date: Date, utcOffsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.date = date
        self.utcOffsetMinutes = utcOffsetMinutes
    }
}

/// A commit read out of the repository, as a value.
public struct CommitInfo: Sendable, Hashable {
    public let id: ObjectID
    public let tree: ObjectID
    /// Parent ids in header order; the first is the first parent.
    public let parents: [ObjectID]
    public let author: GitIdentity
    public let committer: GitIdentity
    /// The message, decoded as UTF-8 with invalid bytes replaced.
    public let message: String
    /// The exact bytes of the commit object (headers and message).
    public let raw: Data
}
