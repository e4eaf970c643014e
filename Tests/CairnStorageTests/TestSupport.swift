import CairnCrypto
import CairnStorage
import CairnWire
import Foundation

/// An (k, n) pair as a test argument.
struct Code: Sendable, CustomStringConvertible {
    var k: Int
    var n: Int
    var description: String { "\(k)-of-\(n)" }
}

/// Deterministic pseudo-random bytes (SplitMix64), so that failures reproduce.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for j in 0..<8 where i + j < count { out[i + j] = UInt8(truncatingIfNeeded: z >> UInt64(8 * j)) }
        i += 8
    }
    return out
}

/// A fresh directory under the system's temporary directory, removed by `cleanUp`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-storage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// A whole file put through `PutPipeline`: its descriptor (signed by `owner`, named "report.pdf") and every
/// shard's bytes by segment.
struct PutResult {
    var descriptor: Descriptor
    var fileKey: FileKey
    var owner: Identity
    /// shards[segment][index]
    var shards: [[[UInt8]]]

    /// One segment's sizes and shard IDs.
    struct Segment {
        var plaintextLength: Int
        var shardLength: Int
        var shardIDs: [ShardID]
    }

    var segments: [Segment] {
        descriptor.shardIDs.indices.map {
            Segment(plaintextLength: descriptor.plaintextLength(ofSegment: $0),
                    shardLength: descriptor.shardLength(ofSegment: $0), shardIDs: descriptor.shardIDs[$0])
        }
    }

    /// The same file described again (another name or time makes another file ID).
    func descriptor(owner: Identity, name: String = "report.pdf", created: Instant = .seconds(1_700_000_000))
        throws -> Descriptor
    {
        try Descriptor(
            fileSize: descriptor.fileSize, parameters: descriptor.parameters, fileNonce: descriptor.fileNonce,
            shardIDs: descriptor.shardIDs, created: created, metadata: FileMetadata(name: name), fileKey: fileKey,
            owner: owner)
    }
}

func putFile(
    _ data: [UInt8], parameters: CodingParameters, chunkSize: Int = 7_001, owner: Identity = .generate()
) throws -> PutResult {
    var pipeline = try PutPipeline(parameters: parameters)
    var encoded: [EncodedSegment] = []
    var offset = 0
    while offset < data.count {
        let end = min(data.count, offset + chunkSize)
        encoded += try pipeline.append(Array(data[offset..<end]))
        offset = end
    }
    if let last = try pipeline.finish() { encoded.append(last) }
    let descriptor = try Descriptor(
        fileSize: pipeline.fileSize, parameters: parameters, fileNonce: pipeline.fileNonce,
        shardIDs: encoded.map(\.shardIDs), created: .seconds(1_700_000_000),
        metadata: FileMetadata(name: "report.pdf"), fileKey: pipeline.fileKey, owner: owner)
    return PutResult(descriptor: descriptor, fileKey: pipeline.fileKey, owner: owner, shards: encoded.map { s in
        (0..<s.shardCount).map { s.shardBytes($0) }
    })
}

/// Gets the file back through `GetPipeline`, giving it for each segment the shards `choose` picks.
func getFile(_ put: PutResult, key: FileKey? = nil, choose: (Int) -> [Int]) throws -> [UInt8] {
    var pipeline = try GetPipeline(descriptor: put.descriptor, fileKey: key ?? put.fileKey)
    var out: [UInt8] = []
    while !pipeline.isFinished {
        let segment = pipeline.nextSegment
        var shards: [Int: [UInt8]] = [:]
        for index in choose(segment) { shards[index] = put.shards[segment][index] }
        out += try pipeline.decodeNext(shards: shards)
    }
    return out
}

/// Every subset of `0..<n` with `size` elements.
func combinations(_ n: Int, _ size: Int) -> [[Int]] {
    guard size > 0 else { return [[]] }
    guard n >= size else { return [] }
    return combinations(n - 1, size) + combinations(n - 1, size - 1).map { $0 + [n - 1] }
}

