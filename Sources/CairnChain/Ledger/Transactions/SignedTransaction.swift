import CairnCrypto
import NIOCore

/// A transaction with its sender's Ed25519 signature, and the bytes and hash derived from them once, when
/// made or decoded: validation never encodes it again.
///
/// Signing bytes = `"cairn-tx-v1"` + the unsigned encoding (which names the chain), so that a transaction
/// signature is never valid as any other kind of Cairn signature, nor on another chain.
public struct SignedTransaction: Hashable, Sendable {
    public let transaction: Transaction
    /// 64 bytes.
    public let signature: [UInt8]
    /// SHA-256 of `encoded`: the transaction's identity in blocks, the mempool and gossip.
    public let hash: Key256
    /// The canonical signed encoding: the unsigned encoding followed by the 64-byte signature.
    public let encoded: [UInt8]
    /// The bytes the sender signed: `signingDomain` + the unsigned encoding. Kept, not rebuilt per check.
    public let signingBytes: [UInt8]

    /// The domain-separation prefix of the signing bytes.
    public static let signingDomain: [UInt8] = Array("cairn-tx-v1".utf8)
    /// The codec's hard limit on one signed transaction; `ChainParameters.maxTxBytes` may only be lower.
    public static let maxEncodedBytes = 64 << 10
    /// The smallest signed transaction (a faucet request): version, chain, sender, nonce, fee, tag, signature.
    public static let minEncodedBytes = 1 + 32 + 32 + 8 + 8 + 1 + PublicKey.signatureByteCount

    /// Wraps a transaction and a signature (checked later, by `verifySignature`).
    public init(_ transaction: Transaction, signature: [UInt8]) {
        var buffer = ByteBuffer()
        buffer.writeTransaction(transaction)
        self.init(transaction, unsignedEncoding: buffer.readBytes(length: buffer.readableBytes)!, signature: signature)
    }

    /// Signs `transaction` with `identity`, whose public key should be the sender.
    public init(signing transaction: Transaction, with identity: Identity) {
        var buffer = ByteBuffer()
        buffer.writeTransaction(transaction)
        let unsigned = buffer.readBytes(length: buffer.readableBytes)!
        let signature = identity.sign(SignedTransaction.signingDomain + unsigned)
        self.init(transaction, unsignedEncoding: unsigned, signature: signature)
    }

    init(_ transaction: Transaction, unsignedEncoding: [UInt8], signature: [UInt8]) {
        self.transaction = transaction
        self.signature = signature
        var encoded = unsignedEncoding
        encoded.reserveCapacity(unsignedEncoding.count + PublicKey.signatureByteCount)
        var fixed = signature
        if fixed.count != PublicKey.signatureByteCount {
            fixed = Array(fixed.prefix(PublicKey.signatureByteCount))
            fixed += [UInt8](repeating: 0, count: PublicKey.signatureByteCount - fixed.count)
        }
        encoded += fixed
        self.encoded = encoded
        var signing = SignedTransaction.signingDomain
        signing.reserveCapacity(signing.count + unsignedEncoding.count)
        signing += unsignedEncoding
        self.signingBytes = signing
        self.hash = SHA256.hash(encoded)
    }

    /// Bytes of the signed encoding, which `ChainParameters.maxTxBytes` limits.
    public var byteCount: Int { encoded.count }

    /// True when the chain is `chainID` and the signature is the sender's over `signingBytes`: one Ed25519
    /// verification. Validation can skip it when the caller has already checked (the mempool did).
    public func verifySignature(chainID: ChainID) -> Bool {
        transaction.chainID == chainID
            && transaction.sender.verify(signature: signature, message: signingBytes)
    }

    public static func == (lhs: SignedTransaction, rhs: SignedTransaction) -> Bool { lhs.encoded == rhs.encoded }
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}
