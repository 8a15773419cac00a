/// A join request `join-requests/<login>.toml` (SPEC §9): the one file an
/// unknown forge login may add, asking the admins to map it to a principal
/// and list its key.
///
/// ```toml
/// schema = 1
/// login = "dana"
/// principal = "dana@example.com"
/// public_key = "ssh-ed25519 AAAA..."
/// created_at = "2026-12-02T10:00:00Z"
/// note = "joining the release rota"   # optional
/// ```
/// Parsed strictly (`approval_malformed`): unknown keys, a login other than
/// the file's and the actor's, a principal or key that does not parse.
package struct JoinRequest: Sendable, Equatable {
    package let login: String
    package let principal: Principal
    package let publicKey: SSHPublicKey
    package let createdAt: Timestamp
    package let note: String?

    /// Parses `bytes`; `login` is the login the path (and the actor) names.
    package static func parse(_ bytes: some Collection<UInt8>, login expected: String? = nil) throws -> JoinRequest {
        guard bytes.count <= RecordBytes.maximumSize else {
            throw WritError(.approvalMalformed, "join request: larger than \(RecordBytes.maximumSize) bytes")
        }
        let root = try TOMLRecordReader.parse(bytes, reason: .approvalMalformed, record: "join request")
        try root.rejectUnknownKeys(allowing: ["schema", "login", "principal", "public_key", "created_at", "note"])
        try root.requireSchemaOne()
        let login = try root.requiredString("login")
        guard ForgeLogin.folded(login) != nil else {
            throw root.fail("login", "must be a forge login (ASCII letters, digits, -, _, . and [bot] only)")
        }
        if let expected, !ForgeLogin.same(login, expected) {
            throw root.fail("login", "is \(quoted: login), but the file and the actor are \(quoted: expected)")
        }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(line: try root.requiredString("public_key"))
        } catch let error as SSHKeyError {
            throw root.fail("public_key", "is not an allowed_signers key: \(error)")
        }
        let note = try root.string("note")
        if let note, !RecordName.isSingleLine(note) { throw root.fail("note", "must be one line") }
        return JoinRequest(
            login: login, principal: try root.requiredPrincipal("principal"), publicKey: key,
            createdAt: try root.requiredTimestamp("created_at"), note: note)
    }
}
