import Foundation
import WritCore

/// A small throughput measurement of in-process ed25519 verification.
enum SignatureBenchmark {
    /// Verifies one freshly made ed25519 signature `iterations` times
    /// (armour, blob, cryptography and allowed_signers lookup) and returns
    /// verifications per second.
    static func ed25519VerificationsPerSecond(iterations: Int = 2000) throws -> Double {
        let key = SSHEd25519PrivateKey.generate()
        let message = Data(repeating: 0x61, count: 512)
        let armored = Array(try key.sign(message: message, namespace: "writ-approval").utf8)
        let signers = try AllowedSigners(parsing: "bench@example.com " + key.publicKey.openSSHLine + "\n")
        let now = Date()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(iterations, 1) {
            // Each iteration verifies for real: no cache is passed, which
            // would otherwise answer every one after the first.
            _ = try SignatureVerifier.verify(
                armored: armored, message: message, principal: "bench@example.com", namespace: "writ-approval",
                allowedSigners: signers, at: now)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(max(iterations, 1)) / seconds
    }
}
