/// "Peer P is reachable at these addresses until `expires`", signed by P. Stored at the k peers closest
/// to P so that anyone can find P's address (DESIGN.md §4).
public struct PeerRecord: Hashable, Sendable {
    public var publicKey: PublicKey
    public var addresses: [PeerAddress]
    /// When the subject issued it; a newer record replaces an older one.
    public var issued: Instant
    public var expires: Instant
    public var signature: [UInt8]

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
    public func isValid(now: Instant) -> Bool {
        expires > now && addresses.count <= PeerRecord.maxAddresses
            && publicKey.verify(signature: signature, message: signingBytes)
    }
}
