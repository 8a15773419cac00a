import Foundation
import WritCore

/// The signature state of a commit, read strictly from its raw bytes.
package enum CommitSignature: Sendable, Hashable {
    /// Exactly one `gpgsig` header. `armored` is its value with the header's
    /// continuation spaces removed, ending in a newline (what the signer
    /// wrote); `payload` is the commit without any `gpgsig*` header: the
    /// bytes the signature must cover.
    case signed(armored: String, payload: Data)
    case unsigned(UnsignedReason)

    /// Why a commit does not count as signed.
    package enum UnsignedReason: String, Sendable, Hashable, Codable {
        case noSignatureHeader = "no_signature_header"
        case multipleSignatureHeaders = "multiple_signature_headers"
        /// A `gpgsig-sha256` (or other `gpgsig*`) header is present.
        case otherSignatureHeader = "other_signature_header"
        /// An armored signature block appears in the message body; git does
        /// not treat that as a signature, and neither does writ.
        case signatureInMessage = "signature_in_message"
        case malformedObject = "malformed_object"
    }

    /// Parses the raw bytes of a commit object (no `commit <size>\0`
    /// prefix).
    ///
    /// Headers end at the first empty line. Exactly one `gpgsig` header,
    /// no other `gpgsig*` header, and no armored signature block in the
    /// message make a commit signed; everything else is unsigned.
    /// `git_commit_extract_signature` is deliberately not used: it accepts a
    /// signature found in the message body and leaves a second header inside
    /// the signed data.
    package static func parse(rawCommit raw: Data) -> CommitSignature {
        let bytes = [UInt8](raw)
        let newline = UInt8(ascii: "\n")
        let space = UInt8(ascii: " ")
        var payload: [UInt8] = []
        payload.reserveCapacity(bytes.count)
        var signature: [UInt8] = []
        var gpgsigCount = 0
        var sawOther = false
        // Where the continuation lines of the current header go.
        enum Continuation { case payload, signature, dropped }
        var continuation = Continuation.payload
        var sawHeader = false
        var position = 0
        var bodyStart: Int?

        while position < bytes.count {
            let end = bytes[position...].firstIndex(of: newline).map { $0 + 1 } ?? bytes.count
            let line = bytes[position..<end]
            if line.first == newline {
                bodyStart = position
                break
            }
            guard line.last == newline else { return .unsigned(.malformedObject) }
            if line.first == space {
                guard sawHeader else { return .unsigned(.malformedObject) }
                switch continuation {
                case .signature: signature.append(contentsOf: line.dropFirst())
                case .payload: payload.append(contentsOf: line)
                case .dropped: break
                }
                position = end
                continue
            }
            sawHeader = true
            let keyEnd = line.firstIndex(of: space) ?? (end - 1)
            let key = bytes[position..<keyEnd]
            if key.elementsEqual("gpgsig".utf8) {
                gpgsigCount += 1
                continuation = .signature
                let valueStart = min(keyEnd + 1, end)
                signature.append(contentsOf: bytes[valueStart..<end])
            } else if key.starts(with: "gpgsig".utf8) {
                sawOther = true
                continuation = .dropped
            } else {
                payload.append(contentsOf: line)
                continuation = .payload
            }
            position = end
        }
        guard let bodyStart else { return .unsigned(.malformedObject) }
        let body = bytes[bodyStart...]
        payload.append(contentsOf: body)

        if containsArmoredSignature(body) { return .unsigned(.signatureInMessage) }
        if sawOther { return .unsigned(.otherSignatureHeader) }
        if gpgsigCount == 0 { return .unsigned(.noSignatureHeader) }
        if gpgsigCount > 1 { return .unsigned(.multipleSignatureHeaders) }
        guard let armored = String(validating: signature, as: UTF8.self) else { return .unsigned(.malformedObject) }
        return .signed(armored: armored, payload: Data(payload))
    }

    /// True when a line of the message starts an armored signature block of
    /// any kind git recognises.
    private static func containsArmoredSignature(_ body: ArraySlice<UInt8>) -> Bool {
        let markers = [
            "-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP MESSAGE-----",
            "-----BEGIN SSH SIGNATURE-----", "-----BEGIN SIGNED MESSAGE-----",
        ].map { Array($0.utf8) }
        for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if markers.contains(where: { line.starts(with: $0) }) { return true }
        }
        return false
    }
}

extension Repository {
    /// The strict signature state of commit `id`, read from its raw object.
    package func commitSignature(_ id: ObjectID) throws -> CommitSignature {
        let object = try rawObject(id)
        guard object.type == "commit" else { throw GitUsageError.wrongObjectKind(id: id, expected: "commit") }
        return CommitSignature.parse(rawCommit: object.data)
    }
}
