import ArgumentParser
import Foundation
import WritCore
import WritOps

struct Sig: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Offline equivalents of ssh-keygen -Y verify and -Y sign.",
        subcommands: [Verify.self, Sign.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an SSH signature over FILE, in process (like ssh-keygen -Y verify).",
            discussion:
                "Exit 0 when the signature is good; otherwise prints the reason code and exits 1. A file that is "
                + "missing or cannot be read (FILE, --signers, --signature) is a runtime error, exit 3.")

        @Option(help: "The allowed_signers file.")
        var signers: String

        @Option(help: "The principal the signature must belong to.")
        var principal: String

        @Option(help: "The namespace the signature must have been made for.")
        var namespace: String

        @Option(help: "The armored signature file.")
        var signature: String

        @Argument(help: "The signed file.")
        var file: String

        @Option(
            help:
                "Check key validity windows at this time instead of now, as ssh-keygen's -O verify-time= does: YYYYMMDD[HHMM[SS]][Z]."
        )
        var verifyTime: String?

        @Flag(help: "Print JSON: {\"valid\", \"reason\", \"detail\", \"principal\", \"key\"}.")
        var json = false

        func run() throws {
            var clock = Date()
            if let verifyTime {
                guard let parsed = AllowedSigners.parseTime(verifyTime, timeZone: .current) else {
                    throw ValidationError("--verify-time takes YYYYMMDD[HHMM[SS]][Z], got \(verifyTime)")
                }
                clock = parsed
            }
            var outcome = Outcome(valid: false, reason: nil, detail: nil, principal: principal, key: nil)
            // Files that cannot be read were never judged: a runtime error
            // (exit 3), not a signature verdict.
            let message = try FileInput.readRequired(file, limit: nil)
            let armored = try FileInput.readRequired(signature, option: "--signature")
            do {
                // An allowed_signers file that does not parse is a finding.
                let allowed = try AllowedSignersFile.load(signers)
                let verified = try SignatureVerifier.verifyOrWritError(
                    armored: armored, message: message, principal: principal, namespace: namespace,
                    allowedSigners: allowed, at: clock)
                outcome.valid = true
                outcome.key = "\(verified.key.type.rawValue) \(verified.key.fingerprint)"
            } catch let error as WritError {
                outcome.reason = error.reason.rawValue
                outcome.detail = error.detail
            }
            if json {
                try Output.printJSON(outcome)
            } else if outcome.valid {
                print("Good \"\(namespace)\" signature for \(principal) with \(outcome.key ?? "key")")
            } else {
                print("\(outcome.reason ?? "invalid"): \(outcome.detail ?? "")")
            }
            if !outcome.valid { throw ExitCode(ExitStatus.findings) }
        }

        struct Outcome: Encodable {
            var valid: Bool
            var reason: String?
            var detail: String?
            var principal: String
            var key: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(valid, forKey: .valid)
                try container.encode(reason, forKey: .reason)
                try container.encode(detail, forKey: .detail)
                try container.encode(principal, forKey: .principal)
                try container.encode(key, forKey: .key)
            }
            enum CodingKeys: String, CodingKey { case valid, reason, detail, principal, key }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign FILE with an OpenSSH private key, writing FILE.sig (like ssh-keygen -Y sign).",
            discussion: """
                Unencrypted ed25519 keys sign in process; other unencrypted keys through ssh-keygen (killed after \
                30 s). A passphrase-protected key, or a public key (.pub), signs through ssh-agent when it holds \
                the key; otherwise ssh-keygen asks for the passphrase if stdin is a terminal, and with no terminal \
                signing fails at once.
                """)

        @Option(help: "The OpenSSH private key file, or a public key (.pub) whose private half is in ssh-agent.")
        var key: String

        @Option(help: "The namespace, e.g. writ-approval.")
        var namespace: String

        @Argument(help: "The file to sign.")
        var file: String

        func run() throws {
            guard !namespace.isEmpty else { throw ValidationError("--namespace must not be empty") }
            guard let message = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            let armored: String
            do {
                armored = try SSHSigner.sign(message: message, namespace: namespace, keyPath: key)
            } catch {
                throw error.writError
            }
            try AtomicFile.write(Data(armored.utf8), to: file + ".sig")
            print("Signed \(file) -> \(file).sig (namespace \(namespace))")
        }
    }
}

/// Loads an allowed_signers file, failing closed with the line number.
enum AllowedSignersFile {
    static let limit = 16 * 1024 * 1024

    /// The file `--signers` names: one that is missing or cannot be read is
    /// a runtime error (nothing was judged); what it holds that does not
    /// parse is `policy_malformed`.
    static func load(_ path: String) throws -> AllowedSigners {
        let data = try FileInput.readRequired(path, option: "--signers", limit: limit)
        guard data.count <= limit else { throw WritError(.policyMalformed, "\(path): larger than 16 MiB") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WritError(.policyMalformed, "\(path): not valid UTF-8")
        }
        do {
            return try AllowedSigners(parsing: text)
        } catch {
            throw error.writError
        }
    }
}

/// Writes a file through a temporary sibling and a rename, so a reader
/// never sees half a signature.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
