import Foundation
import WritCore

/// One allowed_signers line as an auditor reads it: who, under which
/// options, and which key by its `SHA256:` fingerprint (exactly as
/// `ssh-keygen -lf` prints it) with its comment. The key's base64 is never
/// shortened: every ed25519 key starts with the same `AAAAC3NzaC1l`.
package struct SignerListing: Sendable, Equatable {
    /// 1-based line number in the file.
    package let line: Int
    /// The principals field as written.
    package let principals: String
    /// The options field as written, nil when the line has none.
    package let options: String?
    package let keyType: String
    /// `SHA256:<base64 without padding>`.
    package let fingerprint: String
    /// The comment after the key, empty when there is none.
    package let comment: String

    /// Every key line of an allowed_signers file, in file order; a line
    /// that does not parse is left out (governance that holds one is not
    /// trusted, and the report says so).
    package static func read(_ text: String) -> [SignerListing] {
        var listed: [SignerListing] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated()
        {
            if let line = parse(String(raw), number: index + 1) { listed.append(line) }
        }
        return listed
    }

    /// One line, parsed by the same parser the trust walk uses; nil for a
    /// blank line, a comment or a line that does not parse.
    package static func parse(_ raw: String, number: Int = 1) -> SignerListing? {
        guard let signers = try? AllowedSigners(parsing: raw), let entry = signers.entries.first else { return nil }
        let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        // The key is the type name followed by base64 that decodes to the
        // parsed key; what precedes it is principals and options, what
        // follows it is the comment.
        guard
            let at = fields.indices.dropLast().first(where: { index in
                fields[index] == entry.key.type.rawValue
                    && (try? SSHPublicKey(typeName: fields[index], base64: fields[index + 1])) == entry.key
            })
        else { return nil }
        let before = fields[..<at]
        return SignerListing(
            line: number, principals: before.first ?? "",
            options: before.count > 1 ? before.dropFirst().joined(separator: " ") : nil,
            keyType: entry.key.type.rawValue, fingerprint: entry.key.fingerprint,
            comment: fields[(at + 2)...].joined(separator: " "))
    }

    /// `principals [options] type SHA256:… comment`, the line an auditor
    /// compares with `ssh-keygen -lf`; untrusted text is left as written
    /// (each view escapes it).
    package var text: String {
        ([principals] + (options.map { [$0] } ?? []) + [keyType, fingerprint] + (comment.isEmpty ? [] : [comment]))
            .joined(separator: " ")
    }

    /// A changed allowed_signers line as the report's diff shows it: the
    /// key by its fingerprint; a line that does not parse as it is.
    static func describe(_ line: String) -> String {
        parse(line)?.text ?? line
    }
}
