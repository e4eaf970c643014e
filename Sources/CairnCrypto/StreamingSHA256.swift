import COpenSSL

/// SHA-256 over data that arrives in pieces (a file being downloaded), through OpenSSL.
public struct StreamingSHA256 {
    private final class Context {
        let pointer: OpaquePointer
        init() {
            pointer = EVP_MD_CTX_new()!
            precondition(EVP_DigestInit_ex(pointer, EVP_sha256(), nil) == 1, "EVP_DigestInit_ex(SHA-256) failed")
        }
        deinit { EVP_MD_CTX_free(pointer) }
    }

    private let context = Context()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context.pointer, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    /// The digest of everything passed to `update`.
    public mutating func finish() -> Key256 {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context.pointer, &digest, &length) == 1 && length == 32, "EVP_DigestFinal_ex failed")
        return Key256(bytes: digest)!
    }
}
