import CSodium

/// An Ed25519 key pair (libsodium). The secret half never leaves the process except through the
/// keystore.
public struct Identity: Sendable {
    public let publicKey: PublicKey
    /// libsodium's 64-byte secret key (seed followed by public key).
    public let secretKey: [UInt8]
    public let peerID: PeerID

    public static let seedByteCount = 32

    /// A fresh random identity.
    public static func generate() -> Identity {
        var seed = [UInt8](repeating: 0, count: seedByteCount)
        Random.fill(&seed)
        return Identity(seed: seed)!
    }

    /// A deterministic identity from a 32-byte seed (the keystore stores the seed; the simulator derives
    /// seeds from its own random source). Nil unless the seed is exactly 32 bytes.
    public init?(seed: [UInt8]) {
        Sodium.ensureReady()
        guard seed.count == Identity.seedByteCount else { return nil }
        var pk = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var sk = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        let rc = crypto_sign_seed_keypair(&pk, &sk, seed)
        guard rc == 0, let key = PublicKey(bytes: pk) else { return nil }
        self.publicKey = key
        self.secretKey = sk
        self.peerID = key.peerID
    }

    /// The 32-byte seed this identity derives from.
    public var seed: [UInt8] { Array(secretKey.prefix(Identity.seedByteCount)) }

    /// A detached 64-byte Ed25519 signature.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: PublicKey.signatureByteCount)
        let rc = message.withUnsafeBufferPointer { msg in
            crypto_sign_detached(&signature, nil, msg.baseAddress, UInt64(msg.count), secretKey)
        }
        precondition(rc == 0, "crypto_sign_detached failed")
        return signature
    }

    /// Makes identities until one meets the S/Kademlia static puzzle for `bits` (0 accepts the first).
    public static func generate(puzzleBits bits: Int) -> Identity {
        while true {
            let candidate = generate()
            if Puzzle.isSolved(by: candidate.peerID, bits: bits) { return candidate }
        }
    }
}

/// S/Kademlia's static puzzle: SHA-256(PeerID) must start with `bits` zero bits, so that minting many
/// identities to surround a key costs work.
public enum Puzzle {
    public static func isSolved(by peerID: PeerID, bits: Int) -> Bool {
        guard bits > 0 else { return true }
        return SHA256.hash(peerID.bytes).leadingZeroBitCount >= bits
    }
}
