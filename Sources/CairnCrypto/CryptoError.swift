/// What went wrong in a cryptographic operation, in words a person can act on.
public enum CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidKeyLength(expected: Int, got: Int)
    case invalidNonceLength(expected: Int, got: Int)
    case bufferTooSmall
    /// Ciphertext, tag, nonce, associated data or key did not match: the data was altered or the key is wrong.
    case authenticationFailed
    case invalidPublicKey
    case wrongPassphrase
    case openSSL(String)
    case sodium(String)

    public var description: String {
        switch self {
        case .invalidKeyLength(let expected, let got): "key must be \(expected) bytes, got \(got)"
        case .invalidNonceLength(let expected, let got): "nonce must be \(expected) bytes, got \(got)"
        case .bufferTooSmall: "output buffer too small"
        case .authenticationFailed: "authentication failed: the data was altered or the key is wrong"
        case .invalidPublicKey: "not a valid public key"
        case .wrongPassphrase: "wrong passphrase, or the file is damaged"
        case .openSSL(let what): "OpenSSL failed in \(what)"
        case .sodium(let what): "libsodium failed in \(what)"
        }
    }
}
