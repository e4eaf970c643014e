import CairnStorage
import CairnWire
import NIOCore

/// What a get needs: where the file's shards are (its descriptor and placement, found by `locateFile`), which
/// segments to fetch, in the order they are wanted, and whether the machine must check the file first.
public struct GetOrder: Sendable {
    public var layout: PlacedFile
    /// Addresses of the holders, when a previous get found them; nil: the machine resolves them (placement
    /// records, routing table, DHT lookups).
    public var holders: [PeerID: PeerInfo]?
    /// Holders known to be down (a previous check's unreachable ones): asked last.
    public var suspects: Set<PeerID>
    public var segments: [Int]
    /// Check the file before answering (issue 6, items 4 and 5): for a file of several segments, every holder
    /// is probed while the first segment is fetched, and `.getStarted` comes only once every segment after the
    /// first wanted one has k shards available (else `.fileFailed(.unavailable)`); a segment that cannot be
    /// had is explained by the probe (run then, for a file of one segment) instead of by the failed requests.
    public var check: Bool

    public init(
        layout: PlacedFile, holders: [PeerID: PeerInfo]? = nil, suspects: Set<PeerID> = [], segments: [Int],
        check: Bool = false
    ) {
        self.layout = layout
        self.holders = holders
        self.suspects = suspects
        self.segments = segments
        self.check = check
    }
}

/// A get is under way: the holders' addresses and those found down, for a later get of the same file.
public struct GetStart: Sendable {
    public var holders: [PeerID: PeerInfo]
    public var suspects: Set<PeerID>

    public init(holders: [PeerID: PeerInfo], suspects: Set<PeerID>) {
        self.holders = holders
        self.suspects = suspects
    }
}

/// k shards of one segment, ready to decode: `shards[i]` is shard `slots[i]`, not yet verified (the decoder
/// checks each against its ID; a bad one goes back with `PeerCommand.shardCorrupt`).
public struct SegmentShards: Sendable {
    public var segment: Int
    public var slots: [Int]
    public var shards: [ByteBuffer]
}
