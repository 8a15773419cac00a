internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// The URL configured for remote `name`, or nil when there is no such
    /// remote.
    package func remoteURL(_ name: String) throws -> String? {
        guard let remote = try findRemote(name) else { return nil }
        return git_remote_url(remote.raw).map { String(cString: $0) }
    }

    /// Fetches branches `branches` (plain names such as `main` or
    /// `writ/ledger`) from remote `name` into `refs/remotes/<name>/<branch>`
    /// in this process, offering `credentials` to a network remote, and
    /// returns the tip the remote advertised for each, nil for a branch the
    /// remote does not have.
    ///
    /// The remote-tracking refs are overwritten (a forced update), so a
    /// rewritten remote branch is accepted here: the caller detects rewrites
    /// by comparing the returned tips with the tips it persisted. A branch
    /// the remote lacks leaves its remote-tracking ref untouched. Tags and
    /// `FETCH_HEAD` are not written.
    ///
    /// Throws `RemoteRefusal` when a network remote refused or failed,
    /// `RemoteUsageError` for bad names or URLs. There is no timeout here
    /// (libgit2 1.5 has none): a caller that must abandon a server that
    /// never answers runs this in a process it can kill.
    package func fetch(remote name: String, refs branches: [String], using credentials: RemoteCredentials) throws
        -> [String: ObjectID?]
    {
        _ = try checkFetch(remote: name, refs: branches)
        return try fetchInProcess(remote: name, branches: branches, credentials: credentials)
    }

    /// Checks a fetch's names and remote before any transfer; returns
    /// whether the remote is a network one (`RemoteLocation.network`).
    package func checkFetch(remote name: String, refs branches: [String]) throws -> Bool {
        try validateRemoteName(name)
        for branch in branches {
            try validateBranch(branch, remote: name)
        }
        return try networkEndpoint(try requireRemote(name), push: false) != nil
    }

    /// The fetch itself, in this process: the pack is downloaded into a
    /// quarantine (`FetchQuarantine`), moved into `objects/pack` behind a
    /// `.keep`, and kept until the remote-tracking refs name its tips, so
    /// `git gc` or `git repack -a -d` beside writ never deletes it in
    /// between.
    private func fetchInProcess(remote name: String, branches: [String], credentials: RemoteCredentials) throws
        -> [String: ObjectID?]
    {
        let quarantine = try FetchQuarantine(for: self)
        let downloader = quarantine.repository
        let remote = try downloader.requireRemote(name)
        let session = try downloader.networkSession(remote, push: false, credentials: credentials)
        try downloader.connect(remote, GIT_DIRECTION_FETCH, session)
        defer { git_remote_disconnect(remote.raw) }
        let advertised = try network(session) { () throws(GitError) in try advertisedHeads(remote) }

        var tips: [String: ObjectID?] = [:]
        var refspecs: [String] = []
        for branch in Set(branches).sorted() {
            let tip = advertised["refs/heads/" + branch]
            tips[branch] = tip
            if tip != nil {
                refspecs.append("+refs/heads/\(branch):refs/remotes/\(name)/\(branch)")
            }
        }
        guard !refspecs.isEmpty else { return tips }

        var options = git_fetch_options()
        try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.prune = GIT_FETCH_NO_PRUNE
        options.update_fetchhead = 0
        options.follow_redirects = GIT_REMOTE_REDIRECT_NONE
        let result = withExtendedLifetime(session) {
            session?.install(into: &options.callbacks)
            return withStringArray(refspecs) { array in git_remote_download(remote.raw, array, &options) }
        }
        try network(session) { () throws(GitError) in _ = try check(result, "git_remote_download") }
        try quarantine.publish()
        // The remote-tracking refs are written here, to exactly the ids the
        // remote advertised on this connection, rather than by
        // git_remote_update_tips, so the returned tips and the refs agree.
        try requireFetched(tips)
        for (branch, tip) in tips {
            guard let tip else { continue }
            try setTrackingRef(remote: name, branch: branch, to: tip, message: "writ: fetch")
        }
        quarantine.release()
        return tips
    }

    /// Every fetched tip is now in the object database.
    package func requireFetched(_ tips: [String: ObjectID?]) throws {
        for (branch, tip) in tips {
            guard let tip else { continue }
            guard try objectExists(tip) else {
                throw GitError(
                    code: .notFound, errorClass: 0, message: "fetched tip \(tip) of \(branch) is missing locally",
                    function: "git_remote_download")
            }
        }
    }

    /// Fast-forwards branch `branch` on remote `name` from `remoteOld` to
    /// `localCommit`, as a compare-and-swap: the push succeeds only if the
    /// remote branch holds exactly `remoteOld` (nil: the branch must not
    /// exist) when it is updated. Two pushers expecting the same old value
    /// never both win, whether they are threads or processes.
    ///
    /// - Network remotes (`git://`, `http(s)://`, `ssh://`, `host:path`): a
    ///   non-forced push of `<localCommit>:refs/heads/<branch>`. Before any
    ///   object is sent, the old id the server advertised on this very
    ///   connection must equal `remoteOld`; the server then applies the
    ///   command only if the ref still holds that id under its lock. A
    ///   refusal reported through libgit2's per-ref status callback (the
    ///   push call itself returns success then) is an error.
    /// - Local-path and `file://` remotes: libgit2 would write the remote's
    ///   ref directly, without any check, so writ does the transfer and the
    ///   compare-and-swap itself (see `pushToLocalRepository`). Hooks of
    ///   the remote repository do not run on this path.
    ///
    /// On success `refs/remotes/<name>/<branch>` is set to `localCommit`.
    /// There is deliberately no way to force a push or delete a branch.
    ///
    /// Runs in this process, offering `credentials` to a network remote
    /// (there is no timeout here: see `fetch(remote:refs:using:)`).
    /// Throws `PushError.conflict` when the remote held another value (fetch,
    /// rebuild, retry), `.rejected` when the server refused, `.notFastForward`
    /// when `localCommit` does not descend from `remoteOld`, `.locked` for a
    /// stuck local ref lock, `RemoteUsageError` for bad names or URLs and
    /// `RemoteRefusal` when a network remote refused or failed.
    package func push(
        remote name: String, branch: String, from localCommit: ObjectID, expecting remoteOld: ObjectID?,
        using credentials: RemoteCredentials
    ) throws {
        let location = try checkPush(remote: name, branch: branch, from: localCommit, expecting: remoteOld)
        let reference = "refs/heads/" + branch
        switch location {
        case .localPath(let path):
            try pushToLocalRepository(at: path, reference: reference, commit: localCommit, expecting: remoteOld)
        case .network:
            try pushOverNetwork(
                try requireRemote(name), name: name, reference: reference, commit: localCommit, expecting: remoteOld,
                credentials: credentials)
        }
        try setTrackingRef(remote: name, branch: branch, to: localCommit, message: "writ: push")
    }

    /// Checks a push before any transfer: the names, that the commit is
    /// here and fast-forwards `remoteOld`, and where the remote leads.
    package func checkPush(
        remote name: String, branch: String, from localCommit: ObjectID, expecting remoteOld: ObjectID?
    )
        throws -> RemoteLocation
    {
        try validateRemoteName(name)
        try validateBranch(branch, remote: name)
        // The commit must be here; pushing an id that is not a local commit
        // would transfer nothing meaningful.
        _ = try lookupCommit(localCommit)
        if let remoteOld, remoteOld != localCommit {
            guard try objectExists(remoteOld), try isDescendant(localCommit, of: remoteOld) else {
                throw PushError.notFastForward
            }
        }
        let remote = try requireRemote(name)
        let url = (git_remote_pushurl(remote.raw) ?? git_remote_url(remote.raw)).map { String(cString: $0) }
        guard let url, let location = RemoteLocation.classify(url) else {
            throw RemoteUsageError.unsupportedURL(url ?? "")
        }
        return location
    }

    // MARK: Network push

    private func pushOverNetwork(
        _ remote: GitHandle, name: String, reference: String, commit: ObjectID, expecting remoteOld: ObjectID?,
        credentials: RemoteCredentials
    ) throws {
        if commit == remoteOld {
            // Nothing to send, and libgit2 reports no status for an
            // up-to-date ref: check the advertised value instead.
            let current = try currentRemoteValue(name, reference: reference, credentials: credentials)
            guard current == remoteOld else { throw PushError.conflict(current: current) }
            return
        }
        let observer = PushObserver(reference: reference, expected: remoteOld)
        let session = try networkSession(remote, push: true, credentials: credentials)
        session?.push = observer
        var options = git_push_options()
        try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
        options.follow_redirects = GIT_REMOTE_REDIRECT_NONE
        session?.install(into: &options.callbacks)
        // libgit2 1.5 resolves a push source only as a reference name, not
        // as an object id, so the commit gets a private local ref for the
        // duration of the push (unique per push, so concurrent pushers in
        // one repository do not share it). Non-forced refspec: no "+".
        let source = "refs/writ/push/\(UUID().uuidString.lowercased())"
        try updateRef(source, to: commit, expecting: nil, message: "writ: push source")
        defer { removeReference(source) }
        let result = withExtendedLifetime((observer, session)) {
            withStringArray(["\(source):\(reference)"]) { array in
                git_remote_push(remote.raw, array, &options)
            }
        }
        if let mismatch = observer.mismatch {
            throw PushError.conflict(current: mismatch)
        }
        if result == GIT_ENONFASTFORWARD.rawValue {
            throw PushError.notFastForward
        }
        try network(session) { () throws(GitError) in _ = try check(result, "git_remote_push") }
        guard observer.negotiated else {
            throw PushError.rejected(ref: reference, status: "the push negotiated no update for this ref")
        }
        let ours = observer.statuses.filter { $0.reference == reference }
        guard let status = ours.last else {
            throw PushError.rejected(ref: reference, status: "the remote reported no status for this ref")
        }
        if let message = status.message {
            // The server refuses a command whose old id no longer matches
            // (a pusher that won between our check and its lock) with a
            // plain status text. A moved ref tells that lost race apart
            // from a refusal by a hook or a server rule.
            let current = try currentRemoteValue(name, reference: reference, credentials: credentials)
            if current != remoteOld {
                throw PushError.conflict(current: current)
            }
            throw PushError.rejected(ref: reference, status: message)
        }
    }

    /// The value the remote advertises for `reference` on a fresh push
    /// connection, nil when absent.
    private func currentRemoteValue(_ name: String, reference: String, credentials: RemoteCredentials) throws
        -> ObjectID?
    {
        let remote = try requireRemote(name)
        let session = try networkSession(remote, push: true, credentials: credentials)
        try connect(remote, GIT_DIRECTION_PUSH, session)
        defer { git_remote_disconnect(remote.raw) }
        return try network(session) { () throws(GitError) in try advertisedHeads(remote)[reference] }
    }

    // MARK: Remote helpers

    fileprivate func validateRemoteName(_ name: String) throws {
        var valid: Int32 = 0
        guard !name.utf8.contains(0), git_remote_name_is_valid(&valid, name) == 0, valid == 1 else {
            throw RemoteUsageError.invalidRemoteName(name)
        }
    }

    /// Remote `name` exactly as its `remote.<name>.url` says, nil when
    /// there is none.
    ///
    /// Never through `git_remote_lookup`, which applies `url.*.insteadOf`
    /// and `pushInsteadOf` from the repo's, the user's and the system's
    /// config, and pushes to `remote.<name>.pushurl`: one line of config
    /// could then send writ's objects, or a token, somewhere the configured
    /// URL does not name (SPEC §7, §11: rewrites are not applied). The
    /// remote is built in memory from the URL with rewrites skipped; a push
    /// URL that differs from the URL is refused, since writ pushes only
    /// where it fetches from.
    func findRemote(_ name: String) throws -> GitHandle? {
        try validateRemoteName(name)
        guard let url = try configuredRemoteURL(name) else { return nil }
        if let pushURL = try configString("remote.\(name).pushurl"), pushURL != url {
            throw RemoteUsageError.unusableURL(
                RemoteEndpoint.redactingUserInfo(url),
                problem:
                    "has a different push URL (remote.\(name).pushurl = \(RemoteEndpoint.redactingUserInfo(pushURL))); "
                    + "writ pushes only where it fetches, so remove the pushurl")
        }
        var options = git_remote_create_options()
        try check(
            git_remote_create_options_init(&options, UInt32(GIT_REMOTE_CREATE_OPTIONS_VERSION)),
            "git_remote_create_options_init")
        options.repository = raw
        options.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF.rawValue | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC.rawValue
        var out: OpaquePointer?
        try check(git_remote_create_with_opts(&out, url, &options), "git_remote_create_with_opts")
        return try handle(out, "git_remote_create_with_opts", release: git_remote_free)
    }

    fileprivate func requireRemote(_ name: String) throws -> GitHandle {
        guard let remote = try findRemote(name) else { throw RemoteUsageError.unknownRemote(name) }
        return remote
    }

    /// A plain branch name that is valid under `refs/heads/` and under
    /// `refs/remotes/<remote>/`.
    private func validateBranch(_ branch: String, remote: String) throws {
        guard !branch.isEmpty, !branch.hasPrefix("refs/"), branch != "HEAD", !branch.utf8.contains(0),
            isValidReferenceName("refs/heads/" + branch),
            isValidReferenceName("refs/remotes/\(remote)/\(branch)")
        else {
            throw RemoteUsageError.invalidBranchName(branch)
        }
    }

    /// Connects `remote`; with a network session, through its callbacks
    /// (credentials, host key, certificate) and with redirects refused, so
    /// a credential is only ever sent to the host the URL names.
    fileprivate func connect(_ remote: GitHandle, _ direction: git_direction, _ session: RemoteCallbacks?) throws {
        var options = git_remote_connect_options()
        try check(
            git_remote_connect_options_init(&options, UInt32(GIT_REMOTE_CONNECT_OPTIONS_VERSION)),
            "git_remote_connect_options_init")
        options.follow_redirects = GIT_REMOTE_REDIRECT_NONE
        let result = withExtendedLifetime(session) {
            session?.install(into: &options.callbacks)
            return git_remote_connect_ext(remote.raw, direction, &options)
        }
        try network(session) { () throws(GitError) in _ = try check(result, "git_remote_connect_ext") }
    }

    /// The endpoint of `remote` when its URL is a network one; nil for a
    /// repository on this machine. For a push the push URL counts, as
    /// libgit2 uses it.
    fileprivate func networkEndpoint(_ remote: GitHandle, push: Bool) throws -> RemoteEndpoint? {
        let pushURL = push ? git_remote_pushurl(remote.raw) : nil
        guard let url = (pushURL ?? git_remote_url(remote.raw)).map({ String(cString: $0) }),
            RemoteLocation.classify(url) == .network
        else { return nil }
        do {
            return try RemoteEndpoint.parse(url)
        } catch {
            throw RemoteUsageError.unusableURL(RemoteEndpoint.redactingUserInfo(url), problem: error.description)
        }
    }

    /// The callbacks for an operation on `remote` when its URL is a network
    /// one; nil for a repository on this machine, which needs none.
    fileprivate func networkSession(_ remote: GitHandle, push: Bool, credentials: RemoteCredentials) throws
        -> RemoteCallbacks?
    {
        guard let endpoint = try networkEndpoint(remote, push: push) else { return nil }
        if endpoint.scheme == .https {
            try TrustStore.ensure(extra: credentials.caFile)
        }
        return RemoteCallbacks(access: credentials, endpoint: endpoint)
    }

    /// Runs a network step, turning its libgit2 error into the operation's
    /// typed refusal (`RemoteCallbacks.failure(for:)`); a local remote's
    /// errors pass through unchanged.
    private func network<T>(_ session: RemoteCallbacks?, _ body: () throws(GitError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            guard let session else { throw error }
            throw session.failure(for: error)
        }
    }

    /// The refs a connected remote advertised, by full name (peeled tag
    /// entries `^{}` excluded).
    private func advertisedHeads(_ remote: GitHandle) throws(GitError) -> [String: ObjectID] {
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check(git_remote_ls(&heads, &count, remote.raw), "git_remote_ls")
        var out: [String: ObjectID] = [:]
        guard let heads else { return out }
        for index in 0..<count {
            guard let head = heads[index], let name = head.pointee.name else { continue }
            let text = String(cString: name)
            guard text.hasPrefix("refs/"), !text.hasSuffix("^{}") else { continue }
            out[text] = ObjectID(head.pointee.oid)
        }
        return out
    }

    /// Deletes a private local ref; a failure only leaves an unused ref.
    private func removeReference(_ name: String) {
        _ = git_reference_remove(raw, name)
    }

    /// Overwrites `refs/remotes/<remote>/<branch>`: a local cache of the
    /// remote's state, not a ref anyone builds on.
    private func setTrackingRef(remote: String, branch: String, to id: ObjectID, message: String) throws(GitError) {
        var oid = id.oid
        var out: OpaquePointer?
        try check(
            git_reference_create(&out, raw, "refs/remotes/\(remote)/\(branch)", &oid, 1, message),
            "git_reference_create")
        _ = try handle(out, "git_reference_create", release: git_reference_free)
    }
}

extension Repository {
    /// The URL configured for remote `name` exactly as written in the
    /// repository's config (`remote.<name>.url`), with no `insteadOf`
    /// rewrite applied (libgit2's remote lookup applies them); nil when it
    /// is not set. Bindings compare what is configured, not what a
    /// machine-wide rewrite makes of it.
    package func configuredRemoteURL(_ name: String) throws -> String? {
        try validateRemoteName(name)
        return try configString("remote.\(name).url")
    }
}
