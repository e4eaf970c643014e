import CairnCrypto
import CairnStorage
import CairnWire
import NIOCore
import Testing

@Suite struct DescriptorTests {
    static let owner = Identity.generate()
    static let key = FileKey.random()

    static func descriptor(fileSize: UInt64 = 150_000, name: String = "secret-name-8ce1.txt") throws -> Descriptor {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        let ids = (0..<parameters.segmentCount(forFileSize: fileSize)).map { s in
            (0..<4).map { i in SHA256.hash([UInt8(s), UInt8(i)]) }
        }
        return try Descriptor(
            fileSize: fileSize, parameters: parameters, fileNonce: Random.key256(), shardIDs: ids,
            created: .seconds(1_700_000_000), metadata: FileMetadata(name: name), fileKey: key, owner: owner)
    }

    @Test(arguments: [UInt64(0), 1, 65_536, 150_000])
    func roundTripsSignedWithAStableID(fileSize: UInt64) throws {
        let descriptor = try Self.descriptor(fileSize: fileSize)
        let bytes = descriptor.encoded()
        let decoded = try Descriptor(decoding: bytes)
        #expect(decoded == descriptor)
        #expect(decoded.verifySignature())
        #expect(decoded.fileID == SHA256.hash(bytes))
        #expect(try decoded.metadata(with: Self.key).name == "secret-name-8ce1.txt")
        #expect(try FileKey(opening: decoded.sealedKey, with: Self.owner) == Self.key)
    }

    @Test func theNameIsNowhereInTheBytes() throws {
        let bytes = try Self.descriptor().encoded()
        let name: [UInt8] = Array("secret-name-8ce1".utf8)
        let last: Int = bytes.count - name.count
        var found = false
        for start in 0...last where Array(bytes[start..<(start + name.count)]) == name { found = true }
        #expect(!found)
    }

    @Test func aWrongKeyIsToldApartBeforeAnyByteEvenForAnEmptyFile() throws {
        for size in [UInt64(0), 150_000] {
            let descriptor = try Self.descriptor(fileSize: size)
            #expect(throws: StorageError.wrongFileKey) { try descriptor.metadata(with: FileKey.random()) }
        }
    }

    @Test func anyChangeBreaksTheSignature() throws {
        let descriptor = try Self.descriptor()
        var moreBytes = descriptor
        moreBytes.fileSize += 1
        #expect(!moreBytes.verifySignature())
        var otherShard = descriptor
        otherShard.shardIDs[1][2] = Random.key256()
        #expect(!otherShard.verifySignature())
        var otherOwner = descriptor
        otherOwner.owner = Identity.generate().publicKey
        #expect(!otherOwner.verifySignature())
    }

    @Test func slotRootsCoverEachShardIndexAcrossSegments() throws {
        let descriptor = try Self.descriptor()
        #expect(descriptor.segmentCount == 3)
        for slot in 0..<4 {
            #expect(descriptor.slotRoot(slot) == MerkleTree(leaves: descriptor.shardIDs.map { $0[slot] }).root)
        }
        #expect(Set(descriptor.slotRoots).count == 4)
    }

    @Test func everyTruncationAndTrailingByteIsRefused() throws {
        let bytes = try Self.descriptor().encoded()
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self) { try Descriptor(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: StorageError.self) { try Descriptor(decoding: bytes + [0]) }
    }

    @Test func hostileCountsAndOldVersionsAreRefusedWithAReason() throws {
        var bytes = try Self.descriptor().encoded()
        bytes[0] = 1
        #expect(throws: StorageError.malformedDescriptor(
            "this is a version 1 manifest, from before stable file IDs; store the file again")) {
            try Descriptor(decoding: bytes)
        }
        // A file size claiming 2^64 - 1 bytes: its segment count disagrees with the rows present.
        var huge = try Self.descriptor().encoded()
        for i in 1...8 { huge[i] = 0xff }
        #expect(throws: StorageError.self) { try Descriptor(decoding: huge) }
        // k ≥ n.
        var code = try Self.descriptor().encoded()
        code[13] = 9
        #expect(throws: StorageError.self) { try Descriptor(decoding: code) }
    }

    @Test func placementRecordsRoundTripAndAreSignedByTheHolder() throws {
        let holder = Identity.generate()
        let entries = PlacementRecord.entries(for: [(0, 3), (1, 3), (2, 3), (5, 3), (0, 1), (1, 3)])
        #expect(entries == [.init(slot: 1, segments: 0..<1), .init(slot: 3, segments: 0..<3),
                            .init(slot: 3, segments: 5..<6)])
        let record = PlacementRecord(
            fileID: Random.key256(), holder: holder, addresses: [PeerAddress(host: "127.0.0.1", port: 4100)],
            entries: entries, issued: .seconds(10), expires: .seconds(100))
        var buffer = ByteBuffer()
        buffer.writePlacementRecord(record)
        let bytes = Array(buffer.readableBytesView)
        let decoded = try #require(try buffer.readPlacementRecord())
        #expect(decoded == record)
        #expect(decoded.isValid(now: .seconds(50)))
        #expect(!decoded.isValid(now: .seconds(100)))
        var moved = decoded
        moved.entries[0].slot = 4
        #expect(!moved.isValid(now: .seconds(50)))
        for length in 0..<bytes.count {
            var truncated = ByteBuffer(bytes: bytes.prefix(length))
            #expect((try? truncated.readPlacementRecord()) == nil)
        }
    }

    @Test func theNewestRecordOfAPositionWinsAndForgeriesAreIgnored() throws {
        let descriptor = try Self.descriptor()
        let fileID = descriptor.fileID
        let (a, b, forger) = (Identity.generate(), Identity.generate(), Identity.generate())
        let address = [PeerAddress(host: "127.0.0.1", port: 1)]
        let first = PlacementRecord(fileID: fileID, holder: a, addresses: address,
                                    entries: [.init(slot: 0, segments: 0..<3), .init(slot: 1, segments: 0..<3)],
                                    issued: .seconds(10), expires: .seconds(1000))
        let repaired = PlacementRecord(fileID: fileID, holder: b, addresses: address,
                                       entries: [.init(slot: 1, segments: 0..<3)], issued: .seconds(20),
                                       expires: .seconds(1000))
        var forged = PlacementRecord(fileID: fileID, holder: forger, addresses: address,
                                     entries: [.init(slot: 0, segments: 0..<3)], issued: .seconds(30),
                                     expires: .seconds(1000))
        forged.holderKey = a.publicKey
        let otherFile = PlacementRecord(fileID: Random.key256(), holder: b, addresses: address,
                                        entries: [.init(slot: 2, segments: 0..<3)], issued: .seconds(40),
                                        expires: .seconds(1000))
        let placement = FilePlacement(descriptor: descriptor, fileID: fileID,
                                      records: [repaired, forged, otherFile, first], now: .seconds(50))
        #expect(placement.holders.map { $0[0] } == [a.peerID, a.peerID, a.peerID])
        #expect(placement.holders.map { $0[1] } == [b.peerID, b.peerID, b.peerID])
        #expect(placement.holders.map { $0[2] } == [nil, nil, nil])
        #expect(placement.unplaced == 6)
        #expect(Set(placement.records.map(\.holder)) == [a.peerID, b.peerID])

        // A reader checks only the contested records: the forged one claims slot 0 beside `first` and is
        // dropped as before; a forged record alone at slot 2 is taken (its shards would fail their IDs), where
        // every record is checked it is not.
        var lone = PlacementRecord(fileID: fileID, holder: forger, addresses: address,
                                   entries: [.init(slot: 2, segments: 0..<3)], issued: .seconds(30),
                                   expires: .seconds(1000))
        lone.holderKey = b.publicKey
        let all: [PlacementRecord] = [repaired, forged, otherFile, first, lone]
        let reader = FilePlacement(descriptor: descriptor, fileID: fileID, records: all, now: .seconds(50),
                                   signatures: .contested)
        #expect(reader.holders.map { $0[0] } == [a.peerID, a.peerID, a.peerID])
        #expect(reader.holders.map { $0[1] } == [b.peerID, b.peerID, b.peerID])
        #expect(reader.holders.map { $0[2] } == [b.peerID, b.peerID, b.peerID])
        let checked = FilePlacement(descriptor: descriptor, fileID: fileID, records: all, now: .seconds(50))
        #expect(checked.holders.map { $0[2] } == [nil, nil, nil])
        // Expired records are dropped either way.
        let late = FilePlacement(descriptor: descriptor, fileID: fileID, records: all, now: .seconds(2000),
                                 signatures: .contested)
        #expect(late.unplaced == 3 * descriptor.parameters.n, "no holder left")
    }
}
