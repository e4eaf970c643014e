/// A holder's signed statement that it keeps some shards of file `fileID`, named by position — shard index
/// (`slot`) and segments — and where to reach it (DESIGN.md §5: placement apart from identity).
///
/// Signed by the holder, not the owner: whoever moves shards (a repairer, with no file key and the owner
/// offline) obtains a new record from the new holder, and the file ID and every capability stay as they were.
/// Kept by the peers closest to the file ID, beside the descriptor; where records disagree about a position,
/// the newest (`issued`) wins.
public struct PlacementRecord: Hashable, Sendable {
    /// Slot `slot` (shard index) of segments `segments`.
    public struct Entry: Hashable, Sendable {
        public var slot: UInt8
        public var segments: Range<UInt32>

        public init(slot: UInt8, segments: Range<UInt32>) {
            self.slot = slot
            self.segments = segments
        }
    }

    /// Entries a record may carry: a holder of every other segment of a 16 TiB file's slot still fits.
    public static let maxEntries = 65_535

    public var fileID: Key256
    public var holderKey: PublicKey
    public var addresses: [PeerAddress]
    public var entries: [Entry]
    public var issued: Instant
    public var expires: Instant
    public var signature: [UInt8]

    public init(
        fileID: Key256, holderKey: PublicKey, addresses: [PeerAddress], entries: [Entry], issued: Instant,
        expires: Instant, signature: [UInt8]
    ) {
        self.fileID = fileID
        self.holderKey = holderKey
        self.addresses = addresses
        self.entries = entries
        self.issued = issued
        self.expires = expires
        self.signature = signature
    }

    /// A record for `identity` holding `entries` of `fileID`, signed by it.
    public init(fileID: Key256, holder identity: Identity, addresses: [PeerAddress], entries: [Entry],
                issued: Instant, expires: Instant) {
        self.init(fileID: fileID, holderKey: identity.publicKey,
                  addresses: Array(addresses.prefix(PeerRecord.maxAddresses)),
                  entries: Array(entries.prefix(PlacementRecord.maxEntries)), issued: issued, expires: expires,
                  signature: [])
        signature = identity.sign(signingBytes)
    }

    /// Entries for shard positions (segment, slot), consecutive segments of one slot merged into one range.
    public static func entries(for positions: [(segment: UInt32, slot: UInt8)]) -> [Entry] {
        var entries: [Entry] = []
        for (segment, slot) in positions.sorted(by: { ($0.slot, $0.segment) < ($1.slot, $1.segment) }) {
            if let last = entries.last, last.slot == slot, last.segments.upperBound == segment {
                entries[entries.count - 1].segments = last.segments.lowerBound..<(segment + 1)
            } else if entries.last?.slot != slot || entries.last?.segments.contains(segment) != true {
                entries.append(Entry(slot: slot, segments: segment..<(segment + 1)))
            }
        }
        return entries
    }

    public var holder: PeerID { holderKey.peerID }

    public var holderInfo: PeerInfo? { addresses.first.map { PeerInfo(id: holder, address: $0) } }

    public var signingBytes: [UInt8] {
        var out = SigningBytes(domain: "cairn/placement-record/v1")
        out.append(fileID.bytes)
        out.append(holderKey.bytes)
        out.append(UInt8(addresses.count))
        for address in addresses { out.append(address) }
        out.append(UInt32(entries.count))
        for entry in entries {
            out.append(entry.slot)
            out.append(entry.segments.lowerBound)
            out.append(entry.segments.upperBound)
        }
        out.append(issued)
        out.append(expires)
        return out.bytes
    }

    /// Signed by its holder, not expired at `now`, with bounded addresses and entries.
    public func isValid(now: Instant) -> Bool {
        isCurrent(now: now) && isSigned
    }

    /// Not expired at `now`, with bounded addresses and entries: everything `isValid` checks but the signature.
    public func isCurrent(now: Instant) -> Bool {
        expires > now && issued <= expires && addresses.count <= PeerRecord.maxAddresses
            && entries.count <= PlacementRecord.maxEntries
            && entries.allSatisfy { !$0.segments.isEmpty }
    }

    /// Whether this is `holder`'s own record of exactly `entries` of file `fileID`, signed, current at `now` and
    /// issued no later than `now + tolerance` (the clock difference allowed between peers): what an owner
    /// requires of the record a holder answers its confirmation with, before it passes the record on to keepers
    /// that take the owner's records unchecked. A record issued far ahead would win over every later record of
    /// its positions (readers keep the newest), a repair's included.
    public func isOwn(by holder: PeerID, fileID: Key256, entries: [Entry], now: Instant, tolerance: Duration)
        -> Bool
    {
        self.holder == holder && self.fileID == fileID && self.entries == entries && issued <= now + tolerance
            && isValid(now: now)
    }

    /// The holder's Ed25519 signature checks out (about 130 µs on this project's machines).
    public var isSigned: Bool { holderKey.verify(signature: signature, message: signingBytes) }
}
