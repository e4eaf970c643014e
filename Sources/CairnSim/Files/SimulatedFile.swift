import CairnPeer
import CairnStorage
import CairnWire

/// One file of a file scenario: who puts it and who gets it, the randomness its put is given, and where its put
/// and its get stand. Each file has at most one command in flight at a time, as `FileService` sends them.
struct SimulatedFile {
    enum Phase {
        /// Not started, or started and waiting for `putStarted`.
        case startingPut
        /// A segment was fed; waiting for `putSegmentAccepted`.
        case feeding
        /// `finishPut` was sent.
        case finishingPut
        /// Put finished (`putOK` says how); no get yet.
        case stored
        case locating
        case startingGet
        /// Waiting for `segmentShards` of `segment`.
        case fetching
        case endingGet
        case done
    }

    let uploader: Int
    /// The live peer that gets the file (never its uploader); set once the crashes are known.
    var reader = -1
    let order: PutOrder
    /// Plaintext bytes (the size the scenario gives every file).
    let fileSize: UInt64
    /// Seeds the file's content (real) or its shard IDs (synthetic).
    let contentSeed: UInt64
    var phase = Phase.startingPut
    /// The command ID of `startPut`, which names the put; then that of `startGet`, which names the get.
    var operation: CommandID?
    /// The next segment to feed or to ask for.
    var segment = 0
    var putOK = false
    var getOK = false
    var fileID: Key256?
    /// SHA-256 of each segment's plaintext (real), or the n shard IDs of each segment (synthetic), as put.
    var expected = SimulatedFile.Expected.none
    /// Why the put or the get failed, for the report's reasons.
    var failure: String?

    // Driver state between commands (what `FileService` keeps on its stack).
    var encoder: PutPipeline?
    var layout: PlacedFile?
    var decoder: SegmentDecoder?

    enum Expected {
        case none
        case digests([Key256])
        case shardIDs([[ShardID]])
    }

    init(uploader: Int, order: PutOrder, fileSize: UInt64, contentSeed: UInt64) {
        self.uploader = uploader
        self.order = order
        self.fileSize = fileSize
        self.contentSeed = contentSeed
    }

    var segmentCount: Int { layout?.segments.count ?? 0 }
}
