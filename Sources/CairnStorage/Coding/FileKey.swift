import CairnCrypto

/// The random 32-byte AES-256 key of one file. Only the owner (sealed in the descriptor), grantees (sealed in an
/// access grant) and holders of a read capability know it; no description prints it.
public struct FileKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    public let bytes: [UInt8]

    /// Nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == FileKey.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A fresh key from the system's secure random source.
    public static func random() -> FileKey { FileKey(bytes: Random.bytes(byteCount))! }

    public var description: String { "FileKey(redacted)" }
}

/// A shard's address: the Merkle root over its bytes (`ShardCommitment`).
public typealias ShardID = Key256
