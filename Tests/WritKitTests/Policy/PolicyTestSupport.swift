import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A small world of principals with real ed25519 keys, a policy, and
/// builders for signed intents, approvals and events.
struct PolicyWorld {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let created = Timestamp(secondsSinceEpoch: 1_799_990_000)

    static let alice = principal("alice@example.com")  // admin
    static let carol = principal("carol@example.com")  // admin
    static let bob = principal("bob@example.com")  // operator
    static let dave = principal("dave@example.com")  // operator
    static let agent = principal("agent-1@example.com")  // agent (proposer)
    static let dispatcher = principal("dispatch-1@example.com")
    static let gatekeeper = principal("gate-1@example.com")
    static let mallory = principal("mallory@example.com")  // listed in allowed_signers, no role

    static let everyone = [alice, carol, bob, dave, agent, dispatcher, gatekeeper, mallory]

    static func principal(_ text: String) -> Principal {
        guard let principal = Principal(text) else { preconditionFailure("bad test principal \(text)") }
        return principal
    }

    /// The decision tests' policy: two operators, only operators decide low
    /// intents, gates are a gatekeeper's, no `[members]` and no governance version.
    static let defaultPolicy = defaultFixture.text

    /// `defaultPolicy`'s parts, for a test that adds to them.
    static let defaultFixture = PolicyFixture(
        kinds: [.init("triage", "low"), .init("dev", "medium"), .init("release", "high")],
        tiers: [
            .init("low", approvals: 0, roles: ["operator"]),
            .init("medium", approvals: 1, roles: ["operator", "admin"]),
            .init("high", approvals: 2, roles: ["admin"]),
        ],
        roles: [
            .init("admin", ["alice@example.com", "carol@example.com"]),
            .init("operator", ["bob@example.com", "dave@example.com"]), .init("agent", ["agent-1@example.com"]),
            .init("dispatcher", ["dispatch-1@example.com"]), .init("gatekeeper", ["gate-1@example.com"]),
        ],
        gates: ["gatekeeper"],
        governanceVersion: nil,
        members: nil
    )

    var keys: [Principal: SSHEd25519PrivateKey]
    var policyText: String
    /// Extra allowed_signers lines appended after one line per principal.
    var extraSignerLines: [String] = []
    /// Principals left out of allowed_signers.
    var unlisted: Set<Principal> = []

    init(policy: String = PolicyWorld.defaultPolicy) {
        var keys: [Principal: SSHEd25519PrivateKey] = [:]
        for principal in Self.everyone { keys[principal] = .generate() }
        self.keys = keys
        self.policyText = policy
    }

    func key(_ principal: Principal) -> SSHEd25519PrivateKey {
        guard let key = keys[principal] else { preconditionFailure("no key for \(principal)") }
        return key
    }

    var signersText: String {
        var lines: [String] = []
        for principal in Self.everyone where !unlisted.contains(principal) {
            lines.append("\(principal.rawValue) \(key(principal).publicKey.openSSHLine)")
        }
        return (lines + extraSignerLines).joined(separator: "\n") + "\n"
    }

    func governance(commit: Int = 1) throws -> GovernanceState {
        try GovernanceState(
            commit: oid(commit), policyBytes: Data(policyText.utf8), signersBytes: Data(signersText.utf8))
    }

    // MARK: Builders

    static func sign(_ bytes: Data, with key: SSHEd25519PrivateKey, namespace: String) -> Data {
        do {
            return Data(try key.sign(message: bytes, namespace: namespace).utf8)
        } catch {
            preconditionFailure("signing failed: \(error)")
        }
    }

    /// A signed intent. `signer` defaults to the proposer's key.
    func intent(
        id: String = "deploy-1", kind: String = "release", proposer: Principal = PolicyWorld.agent,
        expiresAt: Timestamp? = nil, blastRadius: Tier? = nil, requires: [String]? = nil,
        signer: SSHEd25519PrivateKey? = nil, namespace: String = "writ-intent", signed: Bool = true
    ) throws -> IntentEvidence {
        let intent = try Intent(
            id: try #require(IntentID(id)), kind: kind, proposer: proposer, createdAt: Self.created,
            summary: "test intent",
            expiresAt: expiresAt, blastRadius: blastRadius, requires: requires,
            target: .init(repo: "github.com/org/app"))
        let bytes = Data(intent.canonicalBytes())
        let signature = signed ? Self.sign(bytes, with: signer ?? key(proposer), namespace: namespace) : nil
        return IntentEvidence(path: intent.path.path, bytes: bytes, signature: signature)
    }

    /// A signed approval (or deny) of `intent`, right by default in every field.
    func approval(
        of intent: IntentEvidence, by approver: Principal, decision: Decision = .approve, tier: Tier? = nil,
        digest: ContentDigest? = nil, expiresAt: Timestamp? = nil, signer: SSHEd25519PrivateKey? = nil,
        namespace: String = "writ-approval", path: String? = nil, commit: Int = 100, signed: Bool = true,
        intentID: String? = nil
    ) throws -> ApprovalEvidence {
        let parsed = try Intent.parse(intent.bytes)
        let policy = try Policy.parse(Data(policyText.utf8))
        let record = try ApprovalRecord(
            intent: try #require(IntentID(intentID ?? parsed.id.rawValue)),
            intentDigest: digest ?? Intent.digest(ofFileBytes: intent.bytes),
            tier: tier ?? parsed.effectiveTier(policy), decision: decision, approver: approver, createdAt: Self.created,
            expiresAt: expiresAt)
        let bytes = Data(record.canonicalBytes())
        let signature = signed ? Self.sign(bytes, with: signer ?? key(approver), namespace: namespace) : nil
        return ApprovalEvidence(path: path ?? record.path.path, bytes: bytes, signature: signature, commit: oid(commit))
    }

    /// An event for `intent` at `sequence`, in a commit signed by `signers`.
    func event(
        of intent: IntentEvidence, _ sequence: Int, _ payload: AuditEvent.Payload, signers: Set<Principal>,
        digest: ContentDigest? = nil, commit: Int = 200
    ) throws -> EventEvidence {
        let parsed = try Intent.parse(intent.bytes)
        let event = try AuditEvent(
            intent: parsed.id, intentDigest: digest ?? Intent.digest(ofFileBytes: intent.bytes), at: Self.created,
            actor: signers.sorted().first ?? Self.dispatcher, payload: payload)
        return EventEvidence(
            path: event.path(sequence: sequence).path, bytes: Data(event.canonicalJSON()),
            commit: oid(commit + sequence),
            signers: signers)
    }

    func decide(
        _ intent: IntentEvidence, _ approvals: [ApprovalEvidence] = [], _ events: [EventEvidence] = [],
        now: Date = PolicyWorld.now
    ) throws -> Verdict {
        DecisionEngine.decide(
            governance: try governance(), intent: intent, approvals: approvals, events: events, now: now)
    }
}

/// `policy` (policy.toml text) with `[governance] version = version`, as
/// `writ governance propose` writes it: a governance change is adoptable
/// only at the trusted state's version + 1 (SPEC §5), so a test that makes
/// a change by hand states the version a real change would carry.
func withGovernanceVersion(_ version: Int, _ policy: String) -> String {
    do {
        return String(decoding: try PolicyVersion.setting(version, in: Data(policy.utf8)), as: UTF8.self)
    } catch {
        preconditionFailure("cannot set [governance] version \(version): \(error)")
    }
}

extension PolicyWorld {
    /// This world with its policy at `[governance] version = version`.
    func atVersion(_ version: Int) -> PolicyWorld {
        var world = self
        world.policyText = withGovernanceVersion(version, policyText)
        return world
    }
}

func oid(_ n: Int) -> ObjectID {
    let hex = String(n, radix: 16)
    guard let id = ObjectID(hex: String(repeating: "0", count: 40 - hex.count) + hex) else {
        preconditionFailure("bad oid")
    }
    return id
}

extension Timestamp {
    static func offset(_ seconds: Int64) -> Timestamp {
        Timestamp(secondsSinceEpoch: Int64(PolicyWorld.now.timeIntervalSince1970) + seconds)
    }
}

let claimPayload = AuditEvent.Payload.claimed(
    .init(tier: .high, runID: "run-1", idempotencyKey: "deploy-1", approvals: []))
let outcome = AuditEvent.Outcome(
    exitCode: 0, durationMs: 5, stdoutSHA256: ContentDigest.sha256(of: [UInt8]()),
    stderrSHA256: ContentDigest.sha256(of: [UInt8]()), stdoutTail: "", stderrTail: "")
