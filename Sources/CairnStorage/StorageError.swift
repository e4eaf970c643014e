#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnCrypto

/// What went wrong in the storage layer, carrying the offending values and printing a sentence a person can act on.
public enum StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// k and n must satisfy 1 ≤ k < n ≤ `CodingParameters.maxShardCount`.
    case invalidCodingParameters(k: Int, n: Int)
    case invalidSegmentSize(Int)
    /// A segment handed to the encoder was empty or longer than the segment size.
    case invalidSegmentLength(segment: UInt64, length: Int, segmentSize: Int)
    /// A shard's bytes do not hash to the ShardID they were presented as.
    case shardHashMismatch(shard: ShardID, actual: ShardID, index: Int?)
    case shardLengthMismatch(shard: ShardID, expected: Int, got: Int)
    case invalidShardIndex(Int, shardCount: Int)
    case duplicateShardIndex(Int)
    case notEnoughShards(segment: UInt64, available: Int, needed: Int)
    /// AES-GCM refused the segment: wrong file key, or the descriptor or the shards were altered.
    case authenticationFailed(segment: UInt64)
    case erasureCoding(String)
    case crypto(CryptoError)
    case malformedDescriptor(String)
    /// The file key (from a capability, a grant or the owner's seal) is not this file's: the descriptor's
    /// sealed metadata does not open with it.
    case wrongFileKey
    /// A proof of storage does not check out against the slot root.
    case invalidProof(String)
    case malformedAccessGrant(String)
    case invalidCapability(String)
    /// Neither a file ID nor a read capability.
    case invalidFileReference(String)
    case invalidShardID(String)
    case segmentOutOfRange(Int, segmentCount: Int)
    case fileSizeMismatch(expected: UInt64, got: UInt64)
    /// Storing `needed` more bytes would exceed the store's capacity.
    case noCapacity(needed: UInt64, used: UInt64, capacity: UInt64)
    /// The filesystem holding the store has too little room left (or reported ENOSPC): a full disk is a
    /// provider without capacity, not an internal error.
    case diskFull(needed: UInt64, free: UInt64, path: String)
    /// A confirmation would keep more bytes outside storage agreements than the network's free allowance
    /// (`KeptBytesLimit`): `outsideAgreements` is what would be kept outside them after it.
    case freeAllowanceUsed(allowance: UInt64, outsideAgreements: UInt64)
    case shardNotFound(ShardID)
    /// A shard on disk no longer matched its ID; it was moved to quarantine and is gone from the index.
    case corruptShard(ShardID, quarantinedAt: String)
    case io(operation: String, path: String, errno: Int32)
    case database(String)

    public var description: String {
        switch self {
        case .invalidCodingParameters(let k, let n):
            "erasure code \(k)-of-\(n) is out of range: need 1 ≤ k < n ≤ \(CodingParameters.maxShardCount)"
        case .invalidSegmentSize(let size):
            "segment size \(size) is out of range: it must be between \(CodingParameters.segmentSizeRange.lowerBound) "
                + "and \(CodingParameters.segmentSizeRange.upperBound) bytes"
        case .invalidSegmentLength(let segment, let length, let segmentSize):
            "segment \(segment) has \(length) bytes; a segment must hold 1 to \(segmentSize) bytes"
        case .shardHashMismatch(let shard, let actual, let index):
            "shard \(shard.hex)\(index.map { " (index \($0))" } ?? "") does not match its ID: its bytes hash to "
                + "\(actual.hex); it is corrupt or forged, fetch it from another holder"
        case .shardLengthMismatch(let shard, let expected, let got):
            "shard \(shard.hex) has \(got) bytes where the descriptor says \(expected)"
        case .invalidShardIndex(let index, let count):
            "shard index \(index) is out of range for a code of \(count) shards"
        case .duplicateShardIndex(let index):
            "shard index \(index) was given twice"
        case .notEnoughShards(let segment, let available, let needed):
            "segment \(segment) has only \(available) usable shard(s); \(needed) are needed to rebuild it"
        case .authenticationFailed(let segment):
            "segment \(segment) failed authentication: the file key is wrong, or the descriptor or shards were altered"
        case .erasureCoding(let what):
            "erasure coding failed: \(what)"
        case .crypto(let error):
            "cryptography failed: \(error)"
        case .malformedDescriptor(let reason):
            "file descriptor is malformed: \(reason)"
        case .wrongFileKey:
            "the key does not open this file: the capability, grant or key is not this file's"
        case .invalidProof(let reason):
            "the proof of storage is invalid: \(reason)"
        case .malformedAccessGrant(let reason):
            "access grant is malformed: \(reason)"
        case .invalidCapability(let reason):
            "not a read capability: \(reason); expected cairn:<64 hex file id>:<file key in base64url or 64 hex>"
        case .invalidFileReference(let text):
            "'\(text)' is neither a file ID (64 hex characters) nor a read capability (cairn:<file id>:<key>)"
        case .invalidShardID(let text):
            "\"\(text.prefix(80))\" is not a shard ID: expected 64 hexadecimal characters"
        case .segmentOutOfRange(let index, let count):
            "segment \(index) does not exist: the file has \(count) segment(s)"
        case .fileSizeMismatch(let expected, let got):
            "the file should be \(expected) bytes but \(got) were read"
        case .noCapacity(let needed, let used, let capacity):
            "no capacity for \(needed) more bytes: \(used) of \(capacity) bytes are used "
                + "(\(capacity >= used ? capacity - used : 0) free); delete shards or raise the capacity"
        case .diskFull(let needed, let free, let path):
            "no capacity for \(needed) more bytes: the disk holding \(path) has \(free) bytes free beyond its "
                + "reserve; free space on it or lower the capacity"
        case .freeAllowanceUsed(let allowance, let outside):
            "the free allowance of \(Self.bytes(allowance)) is used: \(outside) bytes would be kept outside "
                + "agreements; this file needs an agreement with this provider"
        case .shardNotFound(let shard):
            "shard \(shard.hex) is not stored here"
        case .corruptShard(let shard, let path):
            "shard \(shard.hex) was corrupt on disk; it was moved to \(path) and removed from the index"
        case .io(let operation, let path, let code):
            "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .database(let what):
            "shard index database error: \(what)"
        }
    }
    /// `bytes` in whole MiB when it is a multiple of one, else in bytes.
    static func bytes(_ bytes: UInt64) -> String {
        bytes > 0 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
