import Foundation
import WritCore
import WritGit

/// The one way writ reaches a remote: every fetch and push goes through
/// here, whatever the caller (ledger sync, publishing, the head-branch
/// push, `status --remote`).
///
/// A repository on this machine is fetched from and pushed to in this
/// process. A network remote is reached with the handle's `remoteAccess`:
/// through the timeout helper (`RemoteHelper`, a `writ _remote` child
/// killed at the deadline) when one is named, else in this process. Either
/// way the git layer's typed refusals (`RemoteRefusal`) become reason codes
/// here, once (`RemoteRefusal.writError`): the helper sends them back
/// typed, never as reason codes.
extension Repository {
    /// Fetches branches `branches` from remote `name` (see
    /// `fetch(remote:refs:using:)`), through the helper when one is named.
    /// A refusal is a `WritError` with its reason code.
    package func fetch(remote name: String, refs branches: [String]) throws -> [String: ObjectID?] {
        let access = remoteAccess
        return try RemoteRefusal.coded(redacting: access) {
            guard try checkFetch(remote: name, refs: branches) else {
                return try fetch(remote: name, refs: branches, using: access.credentials)
            }
            if let problem = access.unavailable { throw problem }
            guard let helper = access.helper else {
                return try fetch(remote: name, refs: branches, using: access.credentials)
            }
            let tips = try RemoteHelper(executable: helper, access: access).fetch(
                repository: gitDirectory, remote: name, branches: branches)
            // The helper wrote the objects and the remote-tracking refs;
            // seeing the tips here also makes this handle pick up its pack.
            try requireFetched(tips)
            return tips
        }
    }

    /// Pushes `localCommit` to branch `branch` of remote `name` as a
    /// compare-and-swap against `remoteOld` (see
    /// `push(remote:branch:from:expecting:using:)`), through the helper
    /// when one is named. A refusal is a `WritError` with its reason code.
    package func push(remote name: String, branch: String, from localCommit: ObjectID, expecting remoteOld: ObjectID?)
        throws
    {
        let access = remoteAccess
        try RemoteRefusal.coded(redacting: access) {
            let location = try checkPush(remote: name, branch: branch, from: localCommit, expecting: remoteOld)
            if location == .network {
                if let problem = access.unavailable { throw problem }
                if let helper = access.helper {
                    // The helper also moves the remote-tracking ref.
                    try RemoteHelper(executable: helper, access: access).push(
                        repository: gitDirectory, remote: name, branch: branch, commit: localCommit,
                        expecting: remoteOld)
                    return
                }
            }
            try push(remote: name, branch: branch, from: localCommit, expecting: remoteOld, using: access.credentials)
        }
    }
}

extension RemoteRefusal {
    /// The reason code this refusal is (SPEC §11): refused credentials are
    /// `auth_insufficient`; an unknown or changed host key and a
    /// certificate that does not verify are `remote_mismatch`; a remote
    /// that did not finish in time is `timeout`; anything else
    /// `remote_error`.
    package var reason: ReasonCode {
        switch self {
        case .credentialsRefused: .authInsufficient
        case .hostKeyUnknown, .hostKeyMismatch, .certificateUntrusted: .remoteMismatch
        case .timedOut: .timeout
        case .transport: .remoteError
        }
    }

    /// The refusal as the contract's failure, its detail with `access`'s
    /// secrets masked.
    package func writError(redacting access: RemoteAccess) -> WritError {
        WritError(reason, access.redact(detail))
    }

    /// Runs `body`, turning a refusal it throws into its `WritError`; every
    /// other error passes through.
    static func coded<T>(redacting access: RemoteAccess, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let refusal as RemoteRefusal {
            throw refusal.writError(redacting: access)
        }
    }
}
