import CairnCrypto

/// One member of a validator set: an account key and its voting power (bonded stake, in the chain's smallest
/// unit; DESIGN.md §6). The address that breaks ties in the proposer schedule is the key's SHA-256 (its PeerID).
public struct Validator: Hashable, Sendable {
    public let publicKey: PublicKey
    /// Voting power; never zero inside a `ValidatorSet`.
    public let power: UInt64

    public init(publicKey: PublicKey, power: UInt64) {
        self.publicKey = publicKey
        self.power = power
    }

    /// SHA-256 of the public key: orders validators of equal power and breaks priority ties.
    public var address: Key256 { publicKey.peerID }
}
