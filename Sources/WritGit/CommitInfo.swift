import Foundation
import WritCore

/// A person and moment recorded on a commit (author or committer).
package struct GitIdentity: Sendable, Hashable {
    package let name: String
    package let email: String
    package let date: Date
    /// Offset of the recorded local time from UTC, in minutes.
    let utcOffsetMinutes: Int

    package init(name: String, email: String, date: Date, utcOffsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.date = date
        self.utcOffsetMinutes = utcOffsetMinutes
    }
}

/// A commit read out of the repository, as a value.
package struct CommitInfo: Sendable, Hashable {
    package let id: ObjectID
    package let tree: ObjectID
    /// Parent ids in header order; the first is the first parent.
    package let parents: [ObjectID]
    package let author: GitIdentity
    package let committer: GitIdentity
    /// The message, decoded as UTF-8 with invalid bytes replaced.
    package let message: String
    /// The exact bytes of the commit object (headers and message).
    package let raw: Data
}
