import Foundation
import WritCore
import WritGit

/// Whether what this dispatcher writes would count (SPEC §3): its signing
/// key is listed for its identity in the trusted allowed_signers, for
/// namespace `git`, valid now, and the identity holds the `dispatcher` role.
///
/// A dispatcher whose events would not count must not run anything: its
/// claims would be ignored by every reader, and a correctly set-up
/// dispatcher would run the same intent again. So this is checked when a
/// poll starts and again before every claim, since governance can change
/// between two claims of one poll.
enum DispatcherEntitlement {
    /// What is signed to find out which key the dispatcher holds; never
    /// written anywhere.
    private static let probe = Data("writ: dispatcher entitlement probe\n".utf8)

    /// Throws a `RuntimeError` naming what to fix when the dispatcher's
    /// events would not count under `trusted` at `now`; `cache` is the
    /// poll's ``VerificationCache``.
    package static func check(signer: SigningIdentity, trusted: GovernanceState, now: Date, cache: VerificationCache?)
        throws
    {
        let identity = signer.principal
        let armored: String
        do {
            armored = try signer.sign(probe, namespace: SignatureNamespace.commit)
        } catch {
            throw RuntimeError(
                "the dispatcher cannot sign with its key: \(error)", fix: "signing_key in dispatcher.toml")
        }
        do {
            _ = try SignatureVerifier.verify(
                armored: Array(armored.utf8), message: probe, principal: identity.rawValue,
                namespace: SignatureNamespace.commit, allowedSigners: trusted.signers, at: now, cache: cache)
        } catch {
            throw RuntimeError(
                "the signing key is not listed for \(identity) under namespace \"git\", valid now, in the trusted "
                    + "allowed_signers of governance commit \(trusted.commit.hex) (\(error.description)); "
                    + "its claims and outcomes would not count, so this dispatcher runs nothing",
                fix: "signing_key and identity in dispatcher.toml, or allowed_signers on the governance branch")
        }
        guard trusted.policy.principals(inRole: EventAuthority.dispatcherRole).contains(identity) else {
            throw RuntimeError(
                "\(identity) does not hold the \"\(EventAuthority.dispatcherRole)\" role in the trusted policy.toml of "
                    + "governance commit \(trusted.commit.hex); its claims and outcomes would not count, so this "
                    + "dispatcher runs nothing",
                fix: "identity in dispatcher.toml, or [roles] dispatcher in policy.toml")
        }
    }
}
