import Foundation

/// A reproducible random generator for tests (SplitMix64). Every test that
/// draws random numbers uses one and prints its seed, so a failure can be
/// replayed with `WRIT_TEST_SEED=<seed> swift test --filter <test>`.
struct SeededRandom: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    /// The seed from `WRIT_TEST_SEED`, or a fresh one; printed with `label`.
    init(_ label: String) {
        let environment = ProcessInfo.processInfo.environment["WRIT_TEST_SEED"].flatMap { UInt64($0) }
        seed = environment ?? UInt64.random(in: .min ... .max)
        state = seed
        print("[seed] \(label): WRIT_TEST_SEED=\(seed)")
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
