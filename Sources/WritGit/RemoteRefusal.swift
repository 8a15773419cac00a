/// Why a fetch from or push to a network remote did not happen, as the git
/// layer sees it: typed, with the detail a person needs, secrets already
/// masked. What each means for an intent or a repo (its reason code) is
/// decided above this layer, once (`RemoteRunner`).
///
/// A push that reached the server and was refused there is a `PushError`,
/// not one of these.
package enum RemoteRefusal: Error, Sendable, Hashable, Codable {
    /// No credential to offer, or the server refused every one offered
    /// (ssh keys, the token), or a login the policy will not send (a token
    /// over plain http to another machine).
    case credentialsRefused(String)
    /// The ssh server's host key is not pinned in the known_hosts file.
    case hostKeyUnknown(String)
    /// The ssh server's host key differs from the pinned one, is revoked,
    /// or could not be checked (no key offered, an unreadable known_hosts).
    case hostKeyMismatch(String)
    /// The TLS certificate does not verify, or TLS itself failed.
    case certificateUntrusted(String)
    /// The remote did not finish within the time it was given.
    case timedOut(String)
    /// Any other transport failure (refused connection, protocol error,
    /// a server error status).
    case transport(String)

    /// What went wrong, for a person.
    package var detail: String {
        switch self {
        case .credentialsRefused(let detail), .hostKeyUnknown(let detail), .hostKeyMismatch(let detail),
            .certificateUntrusted(let detail), .timedOut(let detail), .transport(let detail):
            detail
        }
    }
}
