import CairnCrypto
import CairnWire
import NIOCore

/// What a file descriptor keeps from everyone but its readers: the name (and, later, other metadata), sealed
/// under the file key so that keepers and holders never learn it (as Tahoe-LAFS and Storj keep names private).
///
/// Sealing: AES-256-GCM under the file key with
/// - nonce `FF FF FF FF ‖ 0 (u64)`: segment nonces all start with four zero bytes (`SegmentCipher`), so the two
///   never meet under one key;
/// - associated data `"cairn/metadata/v1" ‖ file nonce`, binding it to its file.
/// A key that opens it is the file's key: readers check this before serving a byte (issue 6, item 4).
public struct FileMetadata: Hashable, Sendable {
    /// Longest name, in UTF-8 bytes.
    public static let maxNameBytes = 255

    public var name: String

    public init(name: String) {
        self.name = name
    }

    static let nonce: [UInt8] = [0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0, count: 8)
    static let domain = Array("cairn/metadata/v1".utf8)

    /// Plaintext form: u8 version (1) ‖ u16 name length ‖ name (UTF-8).
    func encoded() -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(1 as UInt8)
        buffer.writeWireString(name, maxLength: FileMetadata.maxNameBytes)
        return Array(buffer.readableBytesView)
    }

    /// Sealed under `key` for the file with `fileNonce`.
    public func sealed(with key: FileKey, fileNonce: Key256) throws(StorageError) -> [UInt8] {
        guard name.utf8.count <= FileMetadata.maxNameBytes else {
            throw .malformedDescriptor("name of \(name.utf8.count) bytes exceeds \(FileMetadata.maxNameBytes)")
        }
        do {
            return try AESGCM(key: key.bytes).seal(encoded(), nonce: FileMetadata.nonce,
                                                    aad: FileMetadata.domain + fileNonce.bytes)
        } catch {
            throw .crypto(error)
        }
    }

    /// Opens metadata sealed under `key`. Throws `wrongFileKey` when the key is not the one it was sealed with
    /// (or the bytes were altered), `malformedDescriptor` when it opens to something unreadable.
    public init(opening sealed: [UInt8], with key: FileKey, fileNonce: Key256) throws(StorageError) {
        let plaintext: [UInt8]
        do {
            plaintext = try AESGCM(key: key.bytes).open(sealed, nonce: FileMetadata.nonce,
                                                       aad: FileMetadata.domain + fileNonce.bytes)
        } catch {
            throw .wrongFileKey
        }
        var buffer = ByteBuffer(bytes: plaintext)
        guard buffer.readInteger(as: UInt8.self) == 1 else {
            throw .malformedDescriptor("metadata version is not 1")
        }
        do {
            guard let name = try buffer.readWireString(maxLength: FileMetadata.maxNameBytes, "file name"),
                  buffer.readableBytes == 0
            else { throw StorageError.malformedDescriptor("metadata is truncated or has trailing bytes") }
            self.name = name
        } catch let error as StorageError {
            throw error
        } catch {
            throw .malformedDescriptor("\(error)")
        }
    }
}
