import CairnChain
import CairnCrypto
import CairnWire
import NIOCore

extension MarketState {
    /// The state as bytes in one order (big-endian integers), hashed into `LedgerState.digest`:
    ///
    ///   u8 version (3) | u64 epoch | 32 epoch seed
    ///   u32 n | n × provider      by key bytes, ascending:
    ///       32 key | u64 capacity | u64 price | u64 stake | u16 length + address | u64 used | u8 status
    ///       | u64 open agreements | u64 proofs ok | u64 missed | u64 invalid | u64 last active epoch
    ///   u32 n | n × agreement     by ID, ascending:
    ///       32 id | 32 owner | 32 provider | 32 file | u16 slot | 32 slot root | u32 segments | u32 shard length
    ///       | u32 last shard length | u64 start | u64 end | u64 price/epoch | u64 max price/GiB | u64 escrow
    ///       | u64 ok | u64 missed | u64 consecutive | u64 paid | u64 penalties | u8 state
    ///   u32 n | n × 32 proved agreement ID, ascending
    ///   u32 n | n × (32 provider key | u64 challengeable agreements)     by key bytes, ascending
    public var canonicalBytes: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(3 as UInt8)
        buffer.writeInteger(epoch)
        buffer.writeKey256(epochSeed)
        let keyed = providers.sorted { $0.key.precedes($1.key) }
        buffer.writeInteger(UInt32(keyed.count))
        for (key, p) in keyed {
            buffer.writePublicKey(key)
            buffer.writeMultipleIntegers(p.capacityBytes, p.pricePerGiBEpoch.baseUnits, p.stake.baseUnits)
            buffer.writeWireString(p.address, maxLength: PeerAddress.maxHostLength + 8)
            buffer.writeInteger(p.usedBytes)
            buffer.writeInteger(p.status.rawValue)
            buffer.writeMultipleIntegers(p.openAgreements, p.proofsOK, p.proofsMissed, p.proofsInvalid)
            buffer.writeInteger(p.lastActiveEpoch)
        }
        let sorted = agreements.values.sorted { $0.id < $1.id }
        buffer.writeInteger(UInt32(sorted.count))
        for a in sorted {
            buffer.writeKey256(a.id)
            buffer.writePublicKey(a.owner)
            buffer.writePublicKey(a.provider)
            buffer.writeKey256(a.fileID)
            buffer.writeInteger(a.slot)
            buffer.writeKey256(a.slotRoot)
            buffer.writeMultipleIntegers(a.segmentCount, a.shardLength, a.lastShardLength)
            buffer.writeMultipleIntegers(
                a.startEpoch, a.endEpoch, a.pricePerEpoch.baseUnits, a.maxPricePerGiBEpoch.baseUnits, a.escrow.baseUnits
            )
            buffer.writeMultipleIntegers(
                a.proofsOK, a.proofsMissed, a.consecutiveMisses, a.paidTotal.baseUnits, a.penaltiesTotal.baseUnits)
            buffer.writeInteger(a.state.rawValue)
        }
        let proved = provedThisEpoch.sorted()
        buffer.writeInteger(UInt32(proved.count))
        for id in proved { buffer.writeKey256(id) }
        let counts = challengeable.sorted { $0.key.precedes($1.key) }
        buffer.writeInteger(UInt32(counts.count))
        for (key, count) in counts {
            buffer.writePublicKey(key)
            buffer.writeInteger(count)
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
