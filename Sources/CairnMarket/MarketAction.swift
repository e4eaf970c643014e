import CairnChain
import CairnCrypto
import CairnStorage

/// What one market transaction asks (the payload of `TransactionKind.extension(kind: MarketExtension.kind, …)`,
/// encoded by `MarketAction+Wire.swift`). The sender is the transaction's signer.
public enum MarketAction: Hashable, Sendable {
    /// The sender becomes a provider; `offer.stake` moves from its balance into the market's escrow.
    case registerProvider(ProviderOffer)
    /// The sender changes its offer (open agreements keep their price) and may add stake.
    case updateProvider(ProviderUpdate)
    /// The sender stops taking agreements; with none open, its stake returns and its record goes.
    case withdrawProvider
    /// The sender (the owner) opens one agreement per listed slot of one file, locking their escrow.
    case openAgreements(OpenAgreements)
    /// The owner extends an open agreement by `extraEpochs`, locking their price.
    case renewAgreement(agreementID: Key256, extraEpochs: UInt64)
    /// The owner ends an open agreement; the escrow left returns to it.
    case endAgreement(agreementID: Key256)
    /// A provider's answers to this epoch's challenges.
    case postProofs(ProofBatch)
    /// Any keeper moves a slot marked for repair (or whose provider is leaving) to `newProvider`.
    case repair(agreementID: Key256, newProvider: PublicKey)
    /// The sender (a provider) says it is online this epoch (`MarketParameters.livenessEpochs`).
    case checkIn
}

/// A provider's offer: capacity in bytes, base units per GiB per epoch, stake in base units, `host:port`.
public struct ProviderOffer: Hashable, Sendable {
    public var capacityBytes: UInt64
    public var pricePerGiBEpoch: Amount
    public var stake: Amount
    public var address: String

    public init(capacityBytes: UInt64, pricePerGiBEpoch: Amount, stake: Amount, address: String) {
        self.capacityBytes = capacityBytes
        self.pricePerGiBEpoch = pricePerGiBEpoch
        self.stake = stake
        self.address = address
    }
}

/// A provider's new offer; `addedStake` base units move from its balance to its stake (0 for none).
public struct ProviderUpdate: Hashable, Sendable {
    public var capacityBytes: UInt64
    public var pricePerGiBEpoch: Amount
    public var address: String
    public var addedStake: Amount

    public init(capacityBytes: UInt64, pricePerGiBEpoch: Amount, address: String, addedStake: Amount = .zero) {
        self.capacityBytes = capacityBytes
        self.pricePerGiBEpoch = pricePerGiBEpoch
        self.address = address
        self.addedStake = addedStake
    }
}

/// One slot of a file placed with one provider, with what its proofs are checked against.
public struct SlotPlacement: Hashable, Sendable {
    public var slot: UInt16
    public var provider: PublicKey
    public var slotRoot: Key256
    public var segmentCount: UInt32
    /// Bytes of the slot's shard in every segment but the last, and in the last.
    public var shardLength: UInt32
    public var lastShardLength: UInt32

    public init(
        slot: UInt16, provider: PublicKey, slotRoot: Key256, segmentCount: UInt32, shardLength: UInt32,
        lastShardLength: UInt32
    ) {
        self.slot = slot
        self.provider = provider
        self.slotRoot = slotRoot
        self.segmentCount = segmentCount
        self.shardLength = shardLength
        self.lastShardLength = lastShardLength
    }

    /// Slot `slot` of `descriptor` placed with `provider`.
    public init(slot: Int, of descriptor: Descriptor, provider: PublicKey) {
        let segments = descriptor.segmentCount
        self.init(
            slot: UInt16(clamping: slot), provider: provider, slotRoot: descriptor.slotRoot(slot),
            segmentCount: UInt32(clamping: segments),
            shardLength: UInt32(clamping: segments > 0 ? descriptor.shardLength(ofSegment: 0) : 0),
            lastShardLength: UInt32(clamping: segments > 0 ? descriptor.shardLength(ofSegment: segments - 1) : 0))
    }
}

/// Agreements for some slots of one file. `durationEpochs` 0 means the market's default.
public struct OpenAgreements: Hashable, Sendable {
    public var fileID: Key256
    public var durationEpochs: UInt64
    /// The most the owner pays per GiB per epoch: a provider priced above is refused, now and at repair.
    public var maxPricePerGiBEpoch: Amount
    public var slots: [SlotPlacement]

    public init(fileID: Key256, durationEpochs: UInt64, maxPricePerGiBEpoch: Amount, slots: [SlotPlacement]) {
        self.fileID = fileID
        self.durationEpochs = durationEpochs
        self.maxPricePerGiBEpoch = maxPricePerGiBEpoch
        self.slots = slots
    }
}

/// Proofs for the agreements of one provider in one epoch.
public struct ProofBatch: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var agreementID: Key256
        public var proof: StorageProof
        public init(agreementID: Key256, proof: StorageProof) {
            self.agreementID = agreementID
            self.proof = proof
        }
    }

    /// The epoch the proofs answer; a batch for another epoch is refused (late or early).
    public var epoch: UInt64
    public var entries: [Entry]

    public init(epoch: UInt64, entries: [Entry]) {
        self.epoch = epoch
        self.entries = entries
    }
}
