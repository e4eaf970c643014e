import CSodium

/// A secret locked under a passphrase, for `cairn identity export/import`: the key comes from Argon2id
/// (libsodium's `crypto_pwhash`) with a random salt, and the secret is sealed with XChaCha20-Poly1305.
///
/// The blob describes itself, so that a later version can raise the cost and still open old exports:
///
/// ```
/// offset size  field
///      0    8  magic "cairn-pb"
///      8    1  format version = 1
///      9    1  algorithm = 1 (Argon2id v1.3 key, XChaCha20-Poly1305-IETF seal)
///     10    4  Argon2id operations limit, big-endian u32
///     14    8  Argon2id memory limit in bytes, big-endian u64
///     22   16  salt
///     38   24  nonce
///     62    n  ciphertext followed by its 16-byte tag
/// ```
///
/// The first 62 bytes are the AEAD's associated data, so lowering the stored cost or changing any header byte
/// makes the blob fail to open.
public enum PassphraseBox {
    /// How much work and memory deriving the key costs; stored in the blob.
    public struct Cost: Hashable, Sendable {
        public let opsLimit: UInt32
        public let memoryLimit: UInt64

        /// libsodium's "moderate" preset (3 passes over 256 MiB, about a second): the default for exports.
        public static let moderate = Cost(
            unchecked: UInt32(crypto_pwhash_opslimit_moderate()), UInt64(crypto_pwhash_memlimit_moderate()))
        /// libsodium's "interactive" preset (2 passes over 64 MiB).
        public static let interactive = Cost(
            unchecked: UInt32(crypto_pwhash_opslimit_interactive()), UInt64(crypto_pwhash_memlimit_interactive()))

        /// The most a blob may ask for when opened (libsodium's "sensitive" preset: 4 passes over 1 GiB), so that a
        /// crafted blob cannot make `open` allocate without bound.
        public static let maximum = Cost(
            unchecked: UInt32(crypto_pwhash_opslimit_sensitive()), UInt64(crypto_pwhash_memlimit_sensitive()))
        static let minimum = Cost(
            unchecked: UInt32(crypto_pwhash_opslimit_min()), UInt64(crypto_pwhash_memlimit_min()))

        /// Nil unless both limits lie between libsodium's minimum and the `maximum` preset.
        public init?(opsLimit: UInt32, memoryLimit: UInt64) {
            guard (Cost.minimum.opsLimit...Cost.maximum.opsLimit).contains(opsLimit),
                (Cost.minimum.memoryLimit...Cost.maximum.memoryLimit).contains(memoryLimit)
            else { return nil }
            self.init(unchecked: opsLimit, memoryLimit)
        }

        private init(unchecked opsLimit: UInt32, _ memoryLimit: UInt64) {
            self.opsLimit = opsLimit
            self.memoryLimit = memoryLimit
        }
    }

    static let magic: [UInt8] = Array("cairn-pb".utf8)
    static let formatVersion: UInt8 = 1
    static let algorithmArgon2idXChaCha: UInt8 = 1
    static let saltByteCount = Int(crypto_pwhash_saltbytes())
    static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
    static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_abytes())
    static let keyByteCount = Int(crypto_aead_xchacha20poly1305_ietf_keybytes())
    static let headerByteCount = 8 + 1 + 1 + 4 + 8 + saltByteCount + nonceByteCount

    /// Seals `secret` under `passphrase` (its UTF-8 bytes, as typed). A new salt and nonce every time.
    public static func seal(_ secret: [UInt8], passphrase: String, cost: Cost = .moderate) -> [UInt8] {
        Sodium.ensureReady()
        let salt = Random.bytes(saltByteCount)
        let nonce = Random.bytes(nonceByteCount)
        var header = magic
        header.append(formatVersion)
        header.append(algorithmArgon2idXChaCha)
        header += bigEndianBytes(UInt64(cost.opsLimit), count: 4)
        header += bigEndianBytes(cost.memoryLimit, count: 8)
        header += salt
        header += nonce
        // Allocation failure is the only way to fail here; the cost was validated when it was made.
        guard let key = deriveKey(passphrase: passphrase, salt: salt, cost: cost) else {
            preconditionFailure("crypto_pwhash could not allocate \(cost.memoryLimit) bytes")
        }
        var ciphertext = [UInt8](repeating: 0, count: secret.count + tagByteCount)
        var written: UInt64 = 0
        let rc = secret.withUnsafeBufferPointer { s in
            crypto_aead_xchacha20poly1305_ietf_encrypt(
                &ciphertext, &written, s.baseAddress, UInt64(s.count), header, UInt64(header.count), nil, nonce, key)
        }
        precondition(rc == 0 && Int(written) == ciphertext.count, "XChaCha20-Poly1305 seal failed")
        return header + ciphertext
    }

    /// Opens a blob made by `seal`. Throws `wrongPassphrase` when the passphrase is wrong or the blob is not one
    /// of ours, is damaged, or asks for more than `Cost.maximum`.
    public static func open(_ blob: [UInt8], passphrase: String) throws(CryptoError) -> [UInt8] {
        Sodium.ensureReady()
        guard blob.count >= headerByteCount + tagByteCount,
            Array(blob[0..<8]) == magic,
            blob[8] == formatVersion,
            blob[9] == algorithmArgon2idXChaCha
        else { throw CryptoError.wrongPassphrase }
        let opsLimit = UInt32(truncatingIfNeeded: readBigEndian(blob[10..<14]))
        let memoryLimit = readBigEndian(blob[14..<22])
        guard let cost = Cost(opsLimit: opsLimit, memoryLimit: memoryLimit) else { throw CryptoError.wrongPassphrase }
        let salt = Array(blob[22..<(22 + saltByteCount)])
        let nonce = Array(blob[(22 + saltByteCount)..<headerByteCount])
        let header = Array(blob[0..<headerByteCount])
        let ciphertext = Array(blob[headerByteCount...])
        guard let key = deriveKey(passphrase: passphrase, salt: salt, cost: cost) else {
            throw CryptoError.sodium("crypto_pwhash (out of memory)")
        }
        var secret = [UInt8](repeating: 0, count: ciphertext.count - tagByteCount)
        var written: UInt64 = 0
        let rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
            &secret, &written, nil, ciphertext, UInt64(ciphertext.count), header, UInt64(header.count), nonce, key)
        guard rc == 0 else { throw CryptoError.wrongPassphrase }
        return secret
    }

    private static func deriveKey(passphrase: String, salt: [UInt8], cost: Cost) -> [UInt8]? {
        var key = [UInt8](repeating: 0, count: keyByteCount)
        // A terminating zero keeps the pointer non-null for an empty passphrase; it is not part of the length.
        let utf8 = Array(passphrase.utf8) + [0]
        let rc = utf8.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { chars in
                crypto_pwhash(
                    &key, UInt64(keyByteCount), chars.baseAddress!, UInt64(chars.count - 1), salt,
                    UInt64(cost.opsLimit), Int(cost.memoryLimit), crypto_pwhash_alg_argon2id13())
            }
        }
        return rc == 0 ? key : nil
    }

    private static func bigEndianBytes(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (count - 1 - $0))) }
    }

    private static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
