import CairnCrypto
import CairnWire
import NIOCore

// Binary form, all integers big-endian:
//
//     u8  version (3)
//     u64 file size
//     u32 segment size, u8 k, u8 n
//     32  file nonce
//     i64 created (ns since the Unix epoch)
//     32  owner's Ed25519 public key
//     u32 sealed key length, sealed key (≤ 1024 bytes)
//     u32 sealed metadata length, sealed metadata (≤ 64 KiB)
//     u32 segment count (must be the count the file size implies), then per segment n × 32 shard IDs
//     64  owner's signature over the domain tag "cairn/descriptor/v2" and everything above
//
// Decoding trusts nothing: every count is bounded by a constant and by the bytes actually left before anything
// is allocated, and the sizes must agree with one another, so that a descriptor from the network is refused
// with a reason instead of trapping or exhausting memory.

extension ByteBuffer {
    /// Writes a descriptor with its signature.
    @discardableResult
    public mutating func writeDescriptor(_ descriptor: Descriptor) -> Int {
        writeDescriptorBody(descriptor) + writeSignature(descriptor.signature)
    }

    @discardableResult
    mutating func writeDescriptorBody(_ descriptor: Descriptor) -> Int {
        let start = writerIndex
        writeInteger(Descriptor.formatVersion)
        writeInteger(descriptor.fileSize)
        writeInteger(UInt32(clamping: descriptor.parameters.segmentSize))
        writeInteger(UInt8(clamping: descriptor.parameters.k))
        writeInteger(UInt8(clamping: descriptor.parameters.n))
        writeKey256(descriptor.fileNonce)
        writeInstant(descriptor.created)
        writePublicKey(descriptor.owner)
        writeWireBytes(descriptor.sealedKey)
        writeWireBytes(descriptor.sealedMetadata)
        writeInteger(UInt32(clamping: descriptor.shardIDs.count))
        for row in descriptor.shardIDs {
            for id in row { writeKey256(id) }
        }
        return writerIndex - start
    }

    /// Reads a whole descriptor; the buffer must hold exactly one. Throws `malformedDescriptor` with the reason;
    /// the signature is not checked here (`verifySignature()`).
    public mutating func readDescriptor() throws(StorageError) -> Descriptor {
        func fail(_ reason: String) -> StorageError { .malformedDescriptor(reason) }
        guard let version = readInteger(as: UInt8.self) else { throw fail("empty") }
        guard version == Descriptor.formatVersion else {
            throw fail(version < 3
                ? "this is a version \(version) manifest, from before stable file IDs; store the file again"
                : "format version \(version) is not supported (this peer reads \(Descriptor.formatVersion))")
        }
        guard let fileSize = readInteger(as: UInt64.self), let segmentSize = readInteger(as: UInt32.self),
              let k = readInteger(as: UInt8.self), let n = readInteger(as: UInt8.self)
        else { throw fail("truncated in the coding parameters") }
        let parameters = CodingParameters(segmentSize: Int(segmentSize), k: Int(k), n: Int(n))
        do {
            try parameters.validate()
        } catch {
            throw fail(error.description)
        }
        guard let fileNonce = readKey256(), let created = readInstant(), let owner = readPublicKey() else {
            throw fail("truncated before the owner's key")
        }
        let sealedKey: [UInt8]
        let sealedMetadata: [UInt8]
        do {
            guard let key = try readWireBytes(maxLength: Descriptor.maxSealedKeyBytes, "sealed key"),
                  let metadata = try readWireBytes(maxLength: Descriptor.maxSealedMetadataBytes, "sealed metadata")
            else { throw fail("truncated in the sealed key or metadata") }
            (sealedKey, sealedMetadata) = (key, metadata)
        } catch let error as StorageError {
            throw error
        } catch {
            throw fail("\(error)")
        }
        guard let segmentCount = readInteger(as: UInt32.self).map(Int.init) else {
            throw fail("truncated at the segment count")
        }
        let expected = parameters.segmentCount(forFileSize: fileSize)
        guard segmentCount == expected else {
            throw fail("\(segmentCount) segments listed for a file of \(fileSize) bytes, which has \(expected)")
        }
        let rowBytes = Key256.byteCount * parameters.n
        guard segmentCount <= Descriptor.maxSegmentCount,
              segmentCount <= (readableBytes - PublicKey.signatureByteCount) / rowBytes
        else { throw fail("\(segmentCount) segments cannot fit in the \(readableBytes) bytes left") }
        var shardIDs: [[ShardID]] = []
        shardIDs.reserveCapacity(segmentCount)
        for _ in 0..<segmentCount {
            var row: [ShardID] = []
            row.reserveCapacity(parameters.n)
            for _ in 0..<parameters.n { row.append(readKey256()!) }
            shardIDs.append(row)
        }
        guard let signature = readSignature() else { throw fail("truncated in the signature") }
        guard readableBytes == 0 else { throw fail("\(readableBytes) bytes after the signature") }
        return Descriptor(
            fileSize: fileSize, parameters: parameters, fileNonce: fileNonce, shardIDs: shardIDs, created: created,
            owner: owner, sealedKey: sealedKey, sealedMetadata: sealedMetadata, signature: signature)
    }
}

extension Descriptor {
    /// The bytes stored in the network; their SHA-256 is the file ID.
    public func encoded() -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(160 + sealedKey.count + sealedMetadata.count + shardIDs.count * parameters.n * 32)
        buffer.writeDescriptor(self)
        return Array(buffer.readableBytesView)
    }

    /// Decodes a descriptor from untrusted bytes (`ByteBuffer.readDescriptor`).
    public init(decoding bytes: [UInt8]) throws(StorageError) {
        var buffer = ByteBuffer(bytes: bytes)
        self = try buffer.readDescriptor()
    }
}
