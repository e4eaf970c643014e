import CairnChain
import CairnCrypto
import CairnStorage
import CairnWire
import NIOCore

// The market payload, version 1 (big-endian integers; arrays are a u16 count then the elements):
//
//   u8 version (1) | u8 tag | body
//   1 register   u64 capacity | u64 price per GiB per epoch | u64 stake | u16 length + address (≤ 263 bytes)
//   2 update     u64 capacity | u64 price | u16 length + address | u64 added stake
//   3 withdraw   (nothing)
//   4 open       32 file ID | u64 duration epochs | u64 max price | array ≤ 256 of
//                  (u16 slot | 32 provider | 32 slot root | u32 segments | u32 shard length | u32 last shard length)
//   5 renew      32 agreement ID | u64 extra epochs
//   6 end        32 agreement ID
//   7 proofs     u64 epoch | array ≤ 4,096 of
//                  (32 agreement ID | u32 segment | u32 leaf | u32 length + leaf bytes (≤ 1,024)
//                   | u32 leaf index | u32 leaf count | array ≤ 64 of 32 (shard path) | 32 shard ID
//                   | u32 index | u32 count | array ≤ 64 of 32 (slot path))
//   8 repair     32 agreement ID | 32 new provider
//   9 check-in   (nothing)
//
// Every count and length is bounded before anything is reserved; trailing bytes are refused.

extension MarketAction {
    public static let wireVersion: UInt8 = 1
    /// The tag of `postProofs` (fee-free, `MarketExtension.minimumFee`).
    public static let proofsTag: UInt8 = 7
    /// The tag of `checkIn` (fee-free too).
    public static let checkInTag: UInt8 = 9
    /// Longest provider address: a 255-byte host, a colon, five digits, and brackets for IPv6.
    public static let maxAddressBytes = PeerAddress.maxHostLength + 8
    public static let maxSlotsPerOpen = 256
    public static let maxPathLength = 64

    /// The payload bytes.
    public var encoded: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeMarketAction(self)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// Decodes a whole payload; throws `WireError` saying what is wrong (truncated, unknown tag, too long, …).
    public init(payload: [UInt8]) throws(WireError) {
        var buffer = ByteBuffer(bytes: payload)
        guard let action = try buffer.readMarketAction() else { throw .truncated(reading: "market transaction") }
        guard buffer.readableBytes == 0 else { throw .trailingBytes(buffer.readableBytes) }
        self = action
    }
}

extension ByteBuffer {
    public mutating func writeMarketAction(_ action: MarketAction) {
        writeInteger(MarketAction.wireVersion)
        switch action {
        case .registerProvider(let offer):
            writeInteger(1 as UInt8)
            writeMultipleIntegers(offer.capacityBytes, offer.pricePerGiBEpoch.baseUnits, offer.stake.baseUnits)
            writeWireString(offer.address, maxLength: MarketAction.maxAddressBytes)
        case .updateProvider(let update):
            writeInteger(2 as UInt8)
            writeMultipleIntegers(update.capacityBytes, update.pricePerGiBEpoch.baseUnits)
            writeWireString(update.address, maxLength: MarketAction.maxAddressBytes)
            writeInteger(update.addedStake.baseUnits)
        case .withdrawProvider:
            writeInteger(3 as UInt8)
        case .openAgreements(let open):
            writeInteger(4 as UInt8)
            writeKey256(open.fileID)
            writeMultipleIntegers(open.durationEpochs, open.maxPricePerGiBEpoch.baseUnits)
            writeWireArray(open.slots, maxCount: MarketAction.maxSlotsPerOpen) { buffer, slot in
                buffer.writeInteger(slot.slot)
                buffer.writePublicKey(slot.provider)
                buffer.writeKey256(slot.slotRoot)
                buffer.writeMultipleIntegers(slot.segmentCount, slot.shardLength, slot.lastShardLength)
            }
        case .renewAgreement(let id, let extra):
            writeInteger(5 as UInt8)
            writeKey256(id)
            writeInteger(extra)
        case .endAgreement(let id):
            writeInteger(6 as UInt8)
            writeKey256(id)
        case .postProofs(let batch):
            writeInteger(MarketAction.proofsTag)
            writeInteger(batch.epoch)
            writeWireArray(batch.entries, maxCount: Int(MarketParameters.maxProofsLimit)) { buffer, entry in
                buffer.writeKey256(entry.agreementID)
                buffer.writeStorageProof(entry.proof)
            }
        case .repair(let id, let provider):
            writeInteger(8 as UInt8)
            writeKey256(id)
            writePublicKey(provider)
        case .checkIn:
            writeInteger(MarketAction.checkInTag)
        }
    }

    /// Nil (rewound) on short input; throws `WireError` on bytes that cannot be a market action.
    public mutating func readMarketAction() throws(WireError) -> MarketAction? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> MarketAction? in
            guard let version = buffer.readInteger(as: UInt8.self), let tag = buffer.readInteger(as: UInt8.self) else {
                return nil
            }
            guard version == MarketAction.wireVersion else { throw WireError.unsupportedVersion(version) }
            switch tag {
            case 1:
                guard let (capacity, price, stake) = buffer.readMultipleIntegers(as: (UInt64, UInt64, UInt64).self),
                    let address = try buffer.readWireString(maxLength: MarketAction.maxAddressBytes, "provider address")
                else { return nil }
                return .registerProvider(
                    ProviderOffer(
                        capacityBytes: capacity, pricePerGiBEpoch: Amount(price), stake: Amount(stake), address: address
                    ))
            case 2:
                guard let (capacity, price) = buffer.readMultipleIntegers(as: (UInt64, UInt64).self),
                    let address = try buffer.readWireString(
                        maxLength: MarketAction.maxAddressBytes, "provider address"),
                    let added = buffer.readInteger(as: UInt64.self)
                else { return nil }
                return .updateProvider(
                    ProviderUpdate(
                        capacityBytes: capacity, pricePerGiBEpoch: Amount(price), address: address,
                        addedStake: Amount(added)))
            case 3:
                return .withdrawProvider
            case 4:
                guard let fileID = buffer.readKey256(),
                    let (duration, maxPrice) = buffer.readMultipleIntegers(as: (UInt64, UInt64).self),
                    let slots = try buffer.readWireArray(
                        maxCount: MarketAction.maxSlotsPerOpen, minElementByteCount: 2 + 32 + 32 + 12,
                        "slot placements",
                        { element throws(WireError) -> SlotPlacement? in
                            guard let slot = element.readInteger(as: UInt16.self),
                                let provider = element.readPublicKey(),
                                let root = element.readKey256(),
                                let (segments, length, last) = element.readMultipleIntegers(
                                    as: (UInt32, UInt32, UInt32).self)
                            else { return nil }
                            return SlotPlacement(
                                slot: slot, provider: provider, slotRoot: root, segmentCount: segments,
                                shardLength: length, lastShardLength: last)
                        })
                else { return nil }
                return .openAgreements(
                    OpenAgreements(
                        fileID: fileID, durationEpochs: duration, maxPricePerGiBEpoch: Amount(maxPrice), slots: slots))
            case 5:
                guard let id = buffer.readKey256(), let extra = buffer.readInteger(as: UInt64.self) else { return nil }
                return .renewAgreement(agreementID: id, extraEpochs: extra)
            case 6:
                guard let id = buffer.readKey256() else { return nil }
                return .endAgreement(agreementID: id)
            case MarketAction.proofsTag:
                guard let epoch = buffer.readInteger(as: UInt64.self),
                    let entries = try buffer.readWireArray(
                        maxCount: Int(MarketParameters.maxProofsLimit), minElementByteCount: 32 + 4 * 8 + 32 + 2 * 2,
                        "proofs",
                        { element throws(WireError) -> ProofBatch.Entry? in
                            guard let id = element.readKey256(), let proof = try element.readStorageProof() else {
                                return nil
                            }
                            return ProofBatch.Entry(agreementID: id, proof: proof)
                        })
                else { return nil }
                return .postProofs(ProofBatch(epoch: epoch, entries: entries))
            case 8:
                guard let id = buffer.readKey256(), let provider = buffer.readPublicKey() else { return nil }
                return .repair(agreementID: id, newProvider: provider)
            case MarketAction.checkInTag:
                return .checkIn
            default:
                throw WireError.unknownTag(tag, in: "market transaction")
            }
        }
    }

    mutating func writeStorageProof(_ proof: StorageProof) {
        writeMultipleIntegers(UInt32(clamping: proof.segment), UInt32(clamping: proof.leaf))
        writeWireBytes(proof.leafBytes.prefix(ShardCommitment.leafSize))
        writeMerkleProof(proof.shardPath)
        writeKey256(proof.shardID)
        writeMerkleProof(proof.slotPath)
    }

    mutating func readStorageProof() throws(WireError) -> StorageProof? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> StorageProof? in
            guard let (segment, leaf) = buffer.readMultipleIntegers(as: (UInt32, UInt32).self),
                let bytes = try buffer.readWireBytes(maxLength: ShardCommitment.leafSize, "proof leaf"),
                let shardPath = try buffer.readMerkleProof("shard path"),
                let shardID = buffer.readKey256(),
                let slotPath = try buffer.readMerkleProof("slot path")
            else { return nil }
            return StorageProof(
                segment: Int(segment), leaf: Int(leaf), leafBytes: bytes, shardPath: shardPath,
                shardID: shardID, slotPath: slotPath)
        }
    }

    mutating func writeMerkleProof(_ proof: MerkleProof) {
        writeMultipleIntegers(UInt32(clamping: proof.leafIndex), UInt32(clamping: proof.leafCount))
        writeWireArray(proof.path, maxCount: MarketAction.maxPathLength) { $0.writeKey256($1) }
    }

    mutating func readMerkleProof(_ what: String) throws(WireError) -> MerkleProof? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> MerkleProof? in
            guard let (index, count) = buffer.readMultipleIntegers(as: (UInt32, UInt32).self),
                let path = try buffer.readKey256Array(maxCount: MarketAction.maxPathLength, what)
            else { return nil }
            return MerkleProof(leafIndex: Int(index), leafCount: Int(count), path: path)
        }
    }

    /// `readWireArray` of 32-byte keys (a u16 count, then the keys), read in one pass over the bytes: a block
    /// of proofs holds some 150,000 of them, and one call per key made decoding cost more than verifying.
    mutating func readKey256Array(maxCount: Int, _ what: String) throws(WireError) -> [Key256]? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> [Key256]? in
            guard let count = buffer.readInteger(as: UInt16.self).map(Int.init) else { return nil }
            guard count <= maxCount else { throw WireError.tooManyItems(count: count, max: maxCount, in: what) }
            guard buffer.readableBytes >= count * Key256.byteCount else { return nil }
            let keys = buffer.withUnsafeReadableBytes { raw in
                (0..<count).map { i in
                    let base = i * Key256.byteCount
                    return Key256(
                        w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)),
                        w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self)),
                        w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: base + 16, as: UInt64.self)),
                        w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: base + 24, as: UInt64.self)))
                }
            }
            buffer.moveReaderIndex(forwardBy: count * Key256.byteCount)
            return keys
        }
    }
}
