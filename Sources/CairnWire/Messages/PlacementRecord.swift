/// A holder's signed statement that it keeps slot `slot` of file `fileID` (shard `slot` of every segment), and
/// where to reach it (DESIGN.md §5: placement apart from identity).
///
/// Signed by the holder, not the owner: whoever moves a slot (a repairer, with no file key and the owner
/// offline) obtains a new record from the new holder, and the file ID and every capability stay as they were.
/// Kept by the peers closest to the file ID, beside the descriptor; the newest record per slot wins.
public struct PlacementRecord: Hashable, Sendable {
    public var fileID: Key256
    public var slot: UInt8
    public var holderKey: PublicKey
    public var addresses: [PeerAddress]
    public var issued: Instant
    public var expires: Instant
    public var signature: [UInt8]

    public init(
        fileID: Key256, slot: UInt8, holderKey: PublicKey, addresses: [PeerAddress], issued: Instant,
        expires: Instant, signature: [UInt8]
    ) {
        self.fileID = fileID
        self.slot = slot
        self.holderKey = holderKey
        self.addresses = addresses
        self.issued = issued
        self.expires = expires
        self.signature = signature
    }

    /// A record for `identity` holding `slot` of `fileID`, signed by it.
    public init(fileID: Key256, slot: UInt8, holder identity: Identity, addresses: [PeerAddress], issued: Instant,
                expires: Instant) {
        self.init(fileID: fileID, slot: slot, holderKey: identity.publicKey,
                  addresses: Array(addresses.prefix(PeerRecord.maxAddresses)), issued: issued, expires: expires,
                  signature: [])
        signature = identity.sign(signingBytes)
    }

    public var holder: PeerID { holderKey.peerID }

    public var holderInfo: PeerInfo? { addresses.first.map { PeerInfo(id: holder, address: $0) } }

    public var signingBytes: [UInt8] {
        var out = SigningBytes(domain: "cairn/placement-record/v1")
        out.append(fileID.bytes)
        out.append(slot)
        out.append(holderKey.bytes)
        out.append(UInt8(addresses.count))
        for address in addresses { out.append(address) }
        out.append(issued)
        out.append(expires)
        return out.bytes
    }

    /// Signed by its holder, not expired at `now`, with at most `PeerRecord.maxAddresses` addresses.
    public func isValid(now: Instant) -> Bool {
        expires > now && issued <= expires && addresses.count <= PeerRecord.maxAddresses
            && holderKey.verify(signature: signature, message: signingBytes)
    }
}
