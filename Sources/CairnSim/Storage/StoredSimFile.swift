import CairnCrypto
import CairnStorage
import CairnWire

/// A real file for `cairn sim storage`: seeded plaintext encrypted and erasure-coded by `PutPipeline` (the
/// encoder `cairn put` runs), its signed descriptor and its shards, so that providers prove real Merkle leaves
/// and repairs rebuild real Reed–Solomon shards. Everything is drawn from `random`: one seed, one file ID.
struct StoredSimFile {
    var descriptor: Descriptor
    var fileID: Key256
    /// shards[segment][slot]
    var shards: [[[UInt8]]]

    static func make(
        bytes: Int, parameters: CodingParameters, owner: Identity, random: inout SimRandom
    ) throws(StorageError) -> StoredSimFile {
        guard let fileKey = FileKey(bytes: random.nextBytes(FileKey.byteCount)) else {
            preconditionFailure("FileKey.byteCount bytes always make a file key")
        }
        let fileNonce = random.nextKey()
        let sealingSeed = random.nextBytes(32)
        var pipeline = try PutPipeline(parameters: parameters, fileKey: fileKey, fileNonce: fileNonce)
        var encoded = try pipeline.append(SimulatedFile.plaintext(seed: random.next(), segment: 0, length: bytes))
        if let last = try pipeline.finish() { encoded.append(last) }
        let descriptor = try Descriptor(
            fileSize: pipeline.fileSize, parameters: parameters, fileNonce: fileNonce,
            shardIDs: encoded.map(\.shardIDs), created: .seconds(1_700_000_000),
            metadata: FileMetadata(name: "sim-storage.bin"), fileKey: fileKey, owner: owner, sealingSeed: sealingSeed)
        return StoredSimFile(
            descriptor: descriptor, fileID: descriptor.fileID,
            shards: encoded.map { segment in (0..<segment.shardCount).map { segment.shardBytes($0) } })
    }

    /// Bytes of one slot: its shard in every segment.
    var slotBytes: Int { shards.reduce(0) { $0 + ($1.first?.count ?? 0) } }
}
