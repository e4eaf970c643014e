import CairnCrypto
import CairnWire

// Binary form, all integers big-endian:
//
//     u8  version (2; 1 is read too, and has no key check)
//     u16 name length, name (UTF-8, ≤ 255 bytes)
//     u64 file size
//     u32 segment size, u8 k, u8 n
//     32  file nonce
//     i64 created (ns since the Unix epoch)
//     32  owner's Ed25519 public key
//     u16 sealed key length, sealed key (≤ 1024 bytes)
//     32  key check (version 2 only): HMAC-SHA256(file key, "cairn/key-check/v1" ‖ file nonce)
//     u32 segment count, then per segment:
//         u32 plaintext length, u32 shard length, n × 32 shard IDs, n × 32 holders
//     u32 provider count, then per provider (ascending PeerID):
//         32 provider, u32 leaf count, 32 Merkle root
//     64  owner's signature over the domain tag "cairn/manifest/v1" and everything above (the version byte
//         included, so a version 2 manifest cannot be passed off as version 1 without its key check)
//
// Decoding trusts nothing: every count is bounded by a constant and by the bytes actually left before anything
// is allocated, and the sizes must agree with one another, so that a manifest from the network can be refused
// with a reason instead of trapping or exhausting memory.

extension Manifest {
    /// The bytes stored in the network; their SHA-256 is the file ID. Only a manifest that passes `validate()`
    /// round-trips.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: encodedBodySize + PublicKey.signatureByteCount)
        writeBody(into: &writer)
        var signatureField = Array(signature.prefix(PublicKey.signatureByteCount))
        signatureField += [UInt8](repeating: 0, count: PublicKey.signatureByteCount - signatureField.count)
        writer.write(raw: signatureField)
        return writer.bytes
    }

    /// Decodes and checks the structure of a manifest from untrusted bytes. The signature is not checked here:
    /// call `verifySignature()`.
    public init(decoding bytes: [UInt8]) throws(StorageError) {
        var reader = ByteReader(bytes)
        func fail(_ reason: String) -> StorageError { .malformedManifest(reason) }

        guard let version = reader.readUInt8() else { throw fail("empty") }
        guard version == 1 || version == Manifest.formatVersion else {
            throw fail("format version \(version) is not supported (this peer reads 1 and \(Manifest.formatVersion))")
        }
        guard let nameBytes = reader.readShortBytes(maximum: Manifest.maxFileNameBytes) else {
            throw fail("file name missing or longer than \(Manifest.maxFileNameBytes) bytes")
        }
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw fail("file name is not UTF-8") }
        guard let fileSize = reader.readUInt64(), let segmentSize = reader.readUInt32(),
            let k = reader.readUInt8(), let n = reader.readUInt8()
        else { throw fail("truncated in the coding parameters") }
        let parameters = CodingParameters(segmentSize: Int(segmentSize), k: Int(k), n: Int(n))
        do {
            try parameters.validate()
        } catch {
            throw fail(error.description)
        }
        guard let fileNonce = reader.readKey(), let createdNanoseconds = reader.readInt64(),
            let ownerBytes = reader.readBytes(PublicKey.byteCount), let owner = PublicKey(bytes: ownerBytes)
        else { throw fail("truncated before the owner's key") }
        guard let sealedKey = reader.readShortBytes(maximum: Manifest.maxSealedKeyBytes) else {
            throw fail("sealed key missing or longer than \(Manifest.maxSealedKeyBytes) bytes")
        }
        var keyCheck: Key256?
        if version >= 2 {
            guard let check = reader.readKey() else { throw fail("truncated in the key check") }
            keyCheck = check
        }

        guard let segmentCount = reader.readUInt32().map(Int.init) else { throw fail("truncated at the segments") }
        let segmentBytes = 8 + 64 * parameters.n
        guard segmentCount <= Manifest.maxSegmentCount, segmentCount <= reader.remaining / segmentBytes else {
            throw fail("\(segmentCount) segments cannot fit in the \(reader.remaining) bytes left")
        }
        var segments: [Segment] = []
        segments.reserveCapacity(segmentCount)
        for _ in 0..<segmentCount {
            guard let plaintextLength = reader.readUInt32(), let shardLength = reader.readUInt32() else {
                throw fail("truncated in segment \(segments.count)")
            }
            var ids: [ShardID] = []
            var holders: [PeerID] = []
            ids.reserveCapacity(parameters.n)
            holders.reserveCapacity(parameters.n)
            for _ in 0..<parameters.n {
                guard let id = reader.readKey() else { throw fail("truncated in segment \(segments.count)") }
                ids.append(id)
            }
            for _ in 0..<parameters.n {
                guard let holder = reader.readKey() else { throw fail("truncated in segment \(segments.count)") }
                holders.append(holder)
            }
            segments.append(Segment(plaintextLength: Int(plaintextLength), shardLength: Int(shardLength),
                                    shardIDs: ids, holders: holders))
        }

        guard let providerCount = reader.readUInt32().map(Int.init) else { throw fail("truncated at the roots") }
        guard providerCount <= segmentCount * parameters.n, providerCount <= reader.remaining / 68 else {
            throw fail("\(providerCount) provider roots cannot fit in the \(reader.remaining) bytes left")
        }
        var roots: [ProviderRoot] = []
        roots.reserveCapacity(providerCount)
        for _ in 0..<providerCount {
            guard let provider = reader.readKey(), let leafCount = reader.readUInt32(), let root = reader.readKey()
            else { throw fail("truncated in the provider roots") }
            roots.append(ProviderRoot(provider: provider, leafCount: Int(leafCount), root: root))
        }
        guard let signature = reader.readBytes(PublicKey.signatureByteCount) else {
            throw fail("truncated in the signature")
        }
        guard reader.isAtEnd else { throw fail("\(reader.remaining) unexpected bytes after the signature") }

        self.init(fileName: name, fileSize: fileSize, parameters: parameters, fileNonce: fileNonce,
                  segments: segments, created: Instant(nanoseconds: createdNanoseconds), owner: owner,
                  sealedKey: sealedKey, keyCheck: keyCheck, providerRoots: roots, signature: signature)
        try validate()
    }

    /// Checks that the fields agree with one another: sizes, segment table, provider roots and field bounds.
    /// A manifest that passes encodes faithfully; `sign(with:)` and decoding both run it.
    public func validate() throws(StorageError) {
        try checkEncodable()
        guard signature.count == PublicKey.signatureByteCount else {
            throw .malformedManifest("signature must be \(PublicKey.signatureByteCount) bytes, got \(signature.count)")
        }
    }

    /// Everything `validate` checks except the signature, which does not exist yet when signing.
    func checkEncodable() throws(StorageError) {
        func fail(_ reason: String) -> StorageError { .malformedManifest(reason) }
        guard fileName.utf8.count <= Manifest.maxFileNameBytes else {
            throw fail("file name is \(fileName.utf8.count) bytes; at most \(Manifest.maxFileNameBytes) are allowed")
        }
        do {
            try parameters.validate()
        } catch {
            throw fail(error.description)
        }
        guard sealedKey.count <= Manifest.maxSealedKeyBytes else {
            throw fail("sealed key is \(sealedKey.count) bytes; at most \(Manifest.maxSealedKeyBytes) are allowed")
        }
        guard fileSize <= UInt64(Manifest.maxSegmentCount) * UInt64(parameters.segmentSize) else {
            throw fail("file size \(fileSize) exceeds \(Manifest.maxSegmentCount) segments")
        }
        let expectedCount = parameters.segmentCount(forFileSize: fileSize)
        guard segments.count == expectedCount else {
            throw fail("a file of \(fileSize) bytes has \(expectedCount) segments, not \(segments.count)")
        }
        for (index, segment) in segments.enumerated() {
            let length = parameters.plaintextLength(ofSegment: index, fileSize: fileSize)
            guard segment.plaintextLength == length else {
                throw fail("segment \(index) should hold \(length) bytes, not \(segment.plaintextLength)")
            }
            let shardLength = parameters.shardLength(forPlaintextLength: length)
            guard segment.shardLength == shardLength else {
                throw fail("segment \(index) should have \(shardLength)-byte shards, not \(segment.shardLength)")
            }
            guard segment.shardIDs.count == parameters.n, segment.holders.count == parameters.n else {
                throw fail("segment \(index) should list \(parameters.n) shards and holders")
            }
        }
        guard providerRoots == computedProviderRoots() else {
            throw fail("provider Merkle roots do not match the shard holders")
        }
    }

    var encodedBodySize: Int {
        1 + 2 + fileName.utf8.count + 8 + 6 + 32 + 8 + 32 + 2 + sealedKey.count + (keyCheck == nil ? 0 : 32) + 4
            + segments.count * (8 + 64 * parameters.n) + 4 + providerRoots.count * 68
    }

    /// Every field but the signature. Fields that do not fit their width are clamped; `validate()` refuses them.
    func writeBody(into writer: inout ByteWriter) {
        writer.write(keyCheck == nil ? 1 : Manifest.formatVersion)
        writer.write(shortBytes: Array(Array(fileName.utf8).prefix(Int(UInt16.max))))
        writer.write(fileSize)
        writer.write(UInt32(clamping: parameters.segmentSize))
        writer.write(UInt8(clamping: parameters.k))
        writer.write(UInt8(clamping: parameters.n))
        writer.write(fileNonce)
        writer.write(created.nanoseconds)
        writer.write(raw: owner.bytes)
        writer.write(shortBytes: Array(sealedKey.prefix(Int(UInt16.max))))
        if let keyCheck { writer.write(keyCheck) }
        writer.write(UInt32(clamping: segments.count))
        for segment in segments {
            writer.write(UInt32(clamping: segment.plaintextLength))
            writer.write(UInt32(clamping: segment.shardLength))
            for id in segment.shardIDs { writer.write(id) }
            for holder in segment.holders { writer.write(holder) }
        }
        writer.write(UInt32(clamping: providerRoots.count))
        for entry in providerRoots {
            writer.write(entry.provider)
            writer.write(UInt32(clamping: entry.leafCount))
            writer.write(entry.root)
        }
    }
}
