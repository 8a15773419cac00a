// SSHSIG armour and blob: what parses re-armours and re-parses to the same
// signature; a blob that parses is kept byte for byte; armour of any blob
// reads back as that blob. The inner signature blob goes through the
// signature algorithms' own reader.
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

func checkParsed(_ signature: SSHSignature, message: [UInt8]) {
    fuzzCheck(
        (try? SSHSignature(armored: signature.armored)) == signature, "re-armoured signature reads differently")
    fuzzCheck((try? SSHSignature(blob: signature.blob)) == signature, "the blob reads differently")
    let data = SSHSignature.signedData(namespace: signature.namespace, hash: signature.hash, message: message)
    _ = try? SSHSignatureAlgorithms.verify(signatureBlob: signature.signatureBlob, key: signature.publicKey, data: data)
}

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    if let signature = try? SSHSignature(armored: bytes) {
        checkParsed(signature, message: bytes)
    }
    if let signature = try? SSHSignature(blob: bytes) {
        fuzzCheck(signature.blob == bytes, "a parsed blob is not kept as given")
        checkParsed(signature, message: [])
    }
    if !bytes.isEmpty {
        let armored = Array(SSHSignature.armor(bytes).utf8)
        fuzzCheck((try? SSHSignature.dearmor(armored)) == bytes, "armour does not read back as its blob")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
