import CairnChain
import CairnStorage
import CairnWire
import NIOCore

/// What a put needs to know before its first segment: how the file is coded, and what the descriptor will
/// seal. The driver encodes with the same key and nonce (`PutPipeline`).
public struct PutOrder: Sendable {
    public var parameters: CodingParameters
    public var fileKey: FileKey
    /// The file nonce: providers are chosen near it, and every shard is stored under it.
    public var fileNonce: Key256
    /// The name, sealed in the descriptor under the file key.
    public var name: String
    /// 32 bytes from which the file key's seal to the owner is made, so that the descriptor (and the file ID) is
    /// the same for the same order: the driver hands the machine its randomness, as it does the key and the
    /// nonce. The simulator draws it from its seed; nil (`cairn run`) draws a fresh ephemeral key.
    public var sealingSeed: [UInt8]?
    /// The owner's highest price for storage agreements, base units per GiB per epoch (DESIGN.md §9); nil: any.
    public var maxPricePerGiBEpoch: Amount?
    /// How long the agreements run; nil: the market's `defaultDurationEpochs`.
    public var durationEpochs: UInt64?
    /// The file's size when known up front: the agreements' size, hence the escrow, is checked from it before
    /// any shard is sent. Without it, each slot is reckoned at one shard (a lower bound).
    public var sizeHint: UInt64?

    public init(parameters: CodingParameters, fileKey: FileKey, fileNonce: Key256, name: String,
                sealingSeed: [UInt8]? = nil, maxPricePerGiBEpoch: Amount? = nil, durationEpochs: UInt64? = nil,
                sizeHint: UInt64? = nil) {
        self.parameters = parameters
        self.fileKey = fileKey
        self.fileNonce = fileNonce
        self.name = name
        self.sealingSeed = sealingSeed
        self.maxPricePerGiBEpoch = maxPricePerGiBEpoch
        self.durationEpochs = durationEpochs
        self.sizeHint = sizeHint
    }
}

/// One encoded segment handed to a put: its index (segments come in order from 0), its n shard IDs and the
/// shards' bytes, which the machine keeps until every shard of the segment is stored.
public struct PutSegment: Sendable {
    public var index: Int
    public var shardIDs: [ShardID]
    public var shards: [ByteBuffer]

    public init(index: Int, shardIDs: [ShardID], shards: [ByteBuffer]) {
        self.index = index
        self.shardIDs = shardIDs
        self.shards = shards
    }
}

/// What a finished put stored: the facts of `PutResult`, and what the driver keeps locally.
public struct PutSummary: Sendable {
    public var fileID: Key256
    public var descriptor: Descriptor
    /// The descriptor as stored at its keepers (its hash is `fileID`).
    public var encodedDescriptor: [UInt8]
    /// The holders' signed placement records, as stored at the keepers.
    public var placement: [UInt8]
    public var segments: Int
    /// Distinct providers holding the file's shards.
    public var providers: Int
    /// The storage agreements opened for the file (`StorageAgreement.id`), by slot; empty when none was.
    public var agreements: [Key256] = []
    /// The hash of the transaction that opens them, once in the mempool.
    public var agreementsTransaction: Key256?
    /// Why no agreement, or not every slot's, was opened (no market, too few providers, slots whose shards
    /// moved between providers, the chain's refusal); nil when every slot has one.
    public var agreementsNote: String?
}
