import Foundation

/// One line of JSON Lines output (docs/json.md): a compact object with
/// `"schema": 1`, sorted keys and unescaped slashes, so that a reader can
/// process output line by line and an auditor can diff it.
///
/// It lives in the library because the status snapshot keeps settled
/// intents' lines exactly as `writ status --json` prints them.
package enum JSONLine {
    /// The `schema` every JSON line carries; raised only when a field changes meaning.
    package static let schema = 1

    /// The bytes of `value` as one JSON line with `schema` and, when given,
    /// `type` (which names the object where a command prints more than one
    /// kind), ending in a newline.
    package static func encode<T: Encodable>(_ value: T, type: String? = nil) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Envelope(value: value, type: type))
        data.append(0x0A)
        return data
    }

    /// An object's own keys plus `schema` and `type`, in one JSON object.
    private struct Envelope<T: Encodable>: Encodable {
        package let value: T
        package let type: String?

        private enum Keys: String, CodingKey { case schema, type }

        package func encode(to encoder: any Encoder) throws {
            // The value fills the object first; the same keyed container then
            // receives the two envelope keys (JSONEncoder merges them).
            try value.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(JSONLine.schema, forKey: .schema)
            if let type { try container.encode(type, forKey: .type) }
        }
    }
}
