import ArgumentParser
import Foundation
import WritCore

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tier (blast radius) policy gives a kind; unlisted kinds are high.")

    @Argument(help: "The kind, e.g. triage or release.")
    var kind: String

    @Option(help: "The policy.toml to read.")
    var policy: String

    @Option(help: "An intent's blast_radius override (it may raise the tier, never lower it).")
    var blastRadius: String?

    @Flag(help: "Print JSON: {\"kind\", \"tier\", \"listed\"}.")
    var json = false

    func run() throws {
        // A policy that cannot be read was never judged: a runtime error;
        // one that does not parse is `policy_malformed`.
        let parsed = try Policy.parse(try FileInput.readRequired(policy, option: "--policy"))
        var tier = parsed.tier(forKind: kind)
        if let blastRadius {
            guard let override = Tier(parsing: blastRadius) else {
                throw ValidationError("--blast-radius must be low, medium or high")
            }
            tier = max(tier, override)
        }
        if json {
            struct Answer: Encodable {
                let kind: String
                let tier: String
                let listed: Bool
            }
            try Output.printJSON(Answer(kind: kind, tier: tier.rawValue, listed: parsed.kinds[kind] != nil))
        } else {
            print(tier.rawValue)
        }
    }
}
