import CairnCrypto
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// The driver's heavy, pure work for one file — what `FileService` does in `cairn run` — in either payload:
/// `real` encrypts and erasure-codes seeded bytes (`PutPipeline`) and decodes what comes back (`SegmentDecoder`),
/// comparing each segment's SHA-256 with the one put; `synthetic` makes `SyntheticShard` tokens for seeded shard
/// IDs and checks the tokens that come back (`SyntheticShard.verifies`). No decision is taken here: what to
/// fetch, from whom and when is the machine's.
extension SimulatedFile {
    /// The plaintext of segment `index`, `length` bytes, the same for the same file seed.
    static func plaintext(seed: UInt64, segment index: Int, length: Int) -> [UInt8] {
        var mix = seed ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        var random = SimRandom(seed: SimRandom.splitMix(&mix))
        var bytes = [UInt8](repeating: 0, count: length)
        bytes.withUnsafeMutableBytes { out in
            var offset = 0
            while offset < length {
                var word = random.next().littleEndian
                let take = Swift.min(8, length - offset)
                withUnsafeBytes(of: &word) { word in
                    out.baseAddress!.advanced(by: offset).copyMemory(from: word.baseAddress!, byteCount: take)
                }
                offset += take
            }
        }
        return bytes
    }

    /// Segment `index` of the file as the machine takes it (`putSegment`), encoded; records what a get must
    /// find. Segments come in order from 0.
    mutating func encodeSegment(_ index: Int, payload: FileSimulationConfig.Payload) throws -> PutSegment {
        let parameters = order.parameters
        let length = parameters.plaintextLength(ofSegment: index, fileSize: fileSize)
        switch payload {
        case .real:
            if encoder == nil {
                encoder = try PutPipeline(parameters: parameters, fileKey: order.fileKey, fileNonce: order.fileNonce)
            }
            let plaintext = Self.plaintext(seed: contentSeed, segment: index, length: length)
            var digests: [Key256] = []
            if case .digests(let known) = expected { digests = known }
            digests.append(SHA256.hash(plaintext))
            expected = .digests(digests)
            var produced = try encoder!.append(plaintext)
            if produced.isEmpty, let last = try encoder!.finish() { produced = [last] }
            guard let segment = produced.first, produced.count == 1, Int(segment.index) == index else {
                throw SimulatedFileError.encoder(index: index)
            }
            if index == parameters.segmentCount(forFileSize: fileSize) - 1 { encoder = nil }
            let shards = (0..<segment.shardCount).map { i in segment.withShard(i) { ByteBuffer(bytes: $0) } }
            return PutSegment(index: index, shardIDs: segment.shardIDs, shards: shards)
        case .synthetic:
            let shardLength = parameters.shardLength(forPlaintextLength: length)
            var mix = contentSeed ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03
            var random = SimRandom(seed: SimRandom.splitMix(&mix))
            let ids = (0..<parameters.n).map { _ in random.nextKey() }
            var known: [[ShardID]] = []
            if case .shardIDs(let earlier) = expected { known = earlier }
            known.append(ids)
            expected = .shardIDs(known)
            let shards = ids.map { SyntheticShard(id: $0, length: UInt64(shardLength)).encoded }
            return PutSegment(index: index, shardIDs: ids, shards: shards)
        }
    }

    /// What the driver makes of k shards of a segment: the segment checked, or the slot of a shard that does not
    /// verify (to hand back with `shardCorrupt`), or a failure that ends the get.
    enum Checked {
        case intact
        case corrupt(slot: Int)
        case failed(String)
    }

    /// Checks `shards` of segment `index` against the descriptor (`layout`) and against what was put.
    mutating func check(_ shards: SegmentShards, payload: FileSimulationConfig.Payload) -> Checked {
        guard let layout, shards.segment < layout.segments.count else { return .failed("no layout for the shards") }
        let segment = layout.segments[shards.segment]
        switch payload {
        case .real:
            do {
                if decoder == nil {
                    decoder = try SegmentDecoder(parameters: layout.parameters, fileKey: order.fileKey,
                                                 fileNonce: layout.fileNonce)
                }
                var byIndex: [Int: [UInt8]] = [:]
                for (slot, buffer) in zip(shards.slots, shards.shards) {
                    byIndex[slot] = Array(buffer.readableBytesView)
                }
                let plaintext = try decoder!.decodeSegment(
                    index: UInt64(shards.segment), plaintextLength: segment.plaintextLength,
                    shardLength: segment.shardLength, shardIDs: segment.shardIDs, shards: byIndex)
                guard case .digests(let digests) = expected, shards.segment < digests.count,
                      SHA256.hash(plaintext) == digests[shards.segment]
                else { return .failed("segment \(shards.segment) decoded to other bytes than were put") }
                return .intact
            } catch StorageError.shardHashMismatch(_, _, let bad?) {
                return .corrupt(slot: bad)
            } catch {
                return .failed("segment \(shards.segment) does not decode: \(error)")
            }
        case .synthetic:
            for (slot, buffer) in zip(shards.slots, shards.shards)
            where !SyntheticShard.verifies(buffer, as: segment.shardIDs[slot], length: segment.shardLength) {
                return .corrupt(slot: slot)
            }
            guard shards.slots.count >= layout.parameters.k else {
                return .failed("segment \(shards.segment) came with \(shards.slots.count) shards")
            }
            guard case .shardIDs(let ids) = expected, shards.segment < ids.count,
                  ids[shards.segment] == segment.shardIDs
            else { return .failed("segment \(shards.segment) names other shards than were put") }
            return .intact
        }
    }
}

/// The simulation's own encoder misbehaved: a bug, reported as the put's failure.
enum SimulatedFileError: Error, CustomStringConvertible {
    /// Segment `index`'s plaintext did not come out of `PutPipeline` as exactly that one segment.
    case encoder(index: Int)

    var description: String {
        switch self {
        case .encoder(let index): "the encoder did not produce segment \(index) from its plaintext alone"
        }
    }
}
