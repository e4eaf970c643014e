/// "Peer P is reachable at these addresses until `expires`", signed by P. Stored at the k peers closest
/// to P so that anyone can find P's address (DESIGN.md §4).
public struct PeerRecord: Hashable, Sendable {
    public var publicKey: PublicKey { didSet { signedHere = SignedHere(false) } }
    public var addresses: [PeerAddress] { didSet { signedHere = SignedHere(false) } }
    /// When the subject issued it; a newer record replaces an older one.
    public var issued: Instant { didSet { signedHere = SignedHere(false) } }
    public var expires: Instant { didSet { signedHere = SignedHere(false) } }
    public var signature: [UInt8] { didSet { signedHere = SignedHere(false) } }
    /// Whether this value was signed by `init(identity:…)` in this process and not changed since.
    private var signedHere = SignedHere(false)

    public static let maxAddresses = 8

    public init(publicKey: PublicKey, addresses: [PeerAddress], issued: Instant, expires: Instant, signature: [UInt8]) {
        self.publicKey = publicKey
        self.addresses = addresses
        self.issued = issued
        self.expires = expires
        self.signature = signature
    }

    /// A record for `identity`, signed by it.
    public init(identity: Identity, addresses: [PeerAddress], issued: Instant, expires: Instant) {
        self.init(publicKey: identity.publicKey, addresses: Array(addresses.prefix(PeerRecord.maxAddresses)),
                  issued: issued, expires: expires, signature: [])
        signature = identity.sign(signingBytes)
        signedHere = SignedHere(true)
    }

    public var peerID: PeerID { publicKey.peerID }

    /// The exact bytes the subject signs: a domain tag, then every field.
    public var signingBytes: [UInt8] {
        var out = SigningBytes(domain: "cairn/peer-record/v1")
        out.append(publicKey.bytes)
        out.append(UInt8(addresses.count))
        for address in addresses { out.append(address) }
        out.append(issued)
        out.append(expires)
        return out.bytes
    }

    /// Signature valid and not expired at `now`.
    ///
    /// A record this process signed and nobody changed since is not verified again: its signature is known
    /// good. A record from the wire is decoded into a new value and always verified; in the simulator, where
    /// one published record reaches 20 peers as the same value, this spares 20 Ed25519 verifications (60 µs
    /// each) per publication, which were a fifth of a 10^5-peer run, and changes no outcome.
    public func isValid(now: Instant) -> Bool {
        expires > now && addresses.count <= PeerRecord.maxAddresses
            && (signedHere.value || publicKey.verify(signature: signature, message: signingBytes))
    }
}
