/// "Peer P provides content key K until `expires`", signed by P. Stored at the k peers closest to K.
public struct ProviderRecord: Hashable, Sendable {
    public var key: Key256
    public var providerKey: PublicKey
    public var addresses: [PeerAddress]
    public var expires: Instant
    public var signature: [UInt8]

    public init(key: Key256, providerKey: PublicKey, addresses: [PeerAddress], expires: Instant, signature: [UInt8]) {
        self.key = key
        self.providerKey = providerKey
        self.addresses = addresses
        self.expires = expires
        self.signature = signature
    }

    /// A record for `identity` providing `key`, signed by it.
    public init(key: Key256, identity: Identity, addresses: [PeerAddress], expires: Instant) {
        self.init(key: key, providerKey: identity.publicKey,
                  addresses: Array(addresses.prefix(PeerRecord.maxAddresses)), expires: expires, signature: [])
        signature = identity.sign(signingBytes)
    }

    public var provider: PeerID { providerKey.peerID }

    public var signingBytes: [UInt8] {
        var out = SigningBytes(domain: "cairn/provider-record/v1")
        out.append(key.bytes)
        out.append(providerKey.bytes)
        out.append(UInt8(addresses.count))
        for address in addresses { out.append(address) }
        out.append(expires)
        return out.bytes
    }

    public func isValid(now: Instant) -> Bool {
        expires > now && addresses.count <= PeerRecord.maxAddresses
            && providerKey.verify(signature: signature, message: signingBytes)
    }
}
