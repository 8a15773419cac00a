/// The commented starting policy `OpsRepoInitializer` writes when given
/// none. It is deliberately inert: no principal holds any role, so nothing
/// medium or high can be approved and nobody can propose. Since no one could
/// then meet its `[governance]` quorum either, `writ init` refuses it
/// (``GovernanceReach``) and asks for `--policy` and `--signers`; library
/// callers (benchmarks, tests) still start from it.
enum PolicyTemplate {
    package static let text = """
        # writ policy (SPEC §2). Changes to this file or to allowed_signers are
        # adopted only with the [governance] quorum of both the previously
        # trusted and the new policy, recorded under approvals/_governance/.
        schema = 1

        # kind -> tier (low | medium | high). A kind not listed here is "high".
        [kinds]
        # triage = "low"
        # release = "high"

        # How many distinct principals (with distinct keys) must approve, and
        # which roles they may hold. Low tier runs without a human; its roles
        # may still deny it, or resolve it when a run is left in doubt.
        [tiers.low]
        approvals = 0
        roles = ["operator", "admin"]

        [tiers.medium]
        approvals = 1
        roles = ["operator", "admin"]

        [tiers.high]
        approvals = 2
        roles = ["admin"]

        # role -> principals (as listed in allowed_signers).
        [roles]
        admin = []
        operator = []
        agent = []
        dispatcher = []

        # Who may propose intents.
        [proposers]
        roles = ["agent", "operator", "admin"]

        # Who may attest gate results.
        [gates]
        roles = ["dispatcher"]

        # Who may change policy.toml and allowed_signers.
        [governance]
        approvals = 2
        roles = ["admin"]
        # +1 with every adopted change; writ governance propose sets it.
        version = 1

        # forge login -> principal (or "blocked"), for writ check-pr.
        [members]

        # Per proposer principal (docs/limits.md): intents pending at once and
        # proposals in any 24 h. Both optional; absent is no limit.
        # [limits]
        # max_pending = 20
        # max_per_day = 200

        """

    static let allowedSignersHeader = """
        # OpenSSH allowed_signers (see ssh-keygen(1), ALLOWED SIGNERS):
        # principals [options] keytype base64key [comment]
        # Example: alice@example.com namespaces="writ-approval,writ-governance,writ-intent,git" ssh-ed25519 AAAA...

        """
}
