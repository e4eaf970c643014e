import CairnWire
import NIOCore
import Testing

/// The storage sub-protocol (tag 3): round trips, a byte-exact vector, and refusals.
struct StorageCodecTests {
    static let owner = Samples.identity(9)
    static let record = ProviderRecord(
        key: Samples.key(1), identity: owner, addresses: [Samples.addresses[0]], expires: .seconds(1_000))
    static let order = DeleteOrder(fileID: Samples.key(2), fileNonce: Samples.key(11),
                                   shardIDs: [Samples.key(3), Samples.key(4)], owner: owner, issued: .seconds(77))

    static let confirmation = ConfirmOrder(fileID: Samples.key(2), fileNonce: Samples.key(11),
                                           shardIDs: [Samples.key(3)], entries: [.init(slot: 2, segments: 0..<1)],
                                           owner: owner, issued: .seconds(78))
    static let placement = PlacementRecord(
        fileID: Samples.key(2), holder: owner, addresses: [Samples.addresses[0]],
        entries: [.init(slot: 2, segments: 0..<1)], issued: .seconds(79), expires: .seconds(10_000))

    static let messages: [WireMessage] = [
        .request(id: 1, .storage(.putShard(id: Samples.key(5), file: Samples.key(11), owner: owner.publicKey, bytes: ByteBuffer(bytes: [1, 2, 3])))),
        .request(id: 2, .storage(.putShard(id: Samples.key(5), file: Samples.key(11), owner: owner.publicKey, bytes: ByteBuffer()))),
        .request(id: 3, .storage(.getShard(id: Samples.key(6)))),
        .request(id: 4, .storage(.capacity)),
        .request(id: 5, .storage(.putBlob(kind: .descriptor, key: Samples.key(1), provider: record,
                                          bytes: ByteBuffer(bytes: [9, 9])))),
        .request(id: 6, .storage(.putBlob(kind: .grant, key: Samples.key(7), provider: nil, bytes: ByteBuffer(bytes: [8])))),
        .request(id: 7, .storage(.getBlob(kind: .grant, key: Samples.key(7)))),
        .request(id: 8, .storage(.delete(order))),
        .response(id: 1, .storage(.stored)),
        .response(id: 2, .storage(.shard(ByteBuffer(bytes: [0xde, 0xad])))),
        .response(id: 3, .storage(.capacity(total: 10 << 30, used: 12345, free: 999, now: .seconds(1_700_000_000)))),
        .request(id: 10, .storage(.confirm(confirmation))),
        .request(id: 17, .storage(.locate(fileID: Samples.key(2), descriptor: true))),
        .request(id: 18, .storage(.locate(fileID: Samples.key(2), descriptor: false))),
        .response(id: 17, .storage(.located(descriptor: ByteBuffer(bytes: [3, 1]), placement: ByteBuffer(bytes: [4])))),
        .response(id: 18, .storage(.located(descriptor: nil, placement: ByteBuffer(bytes: [4, 4])))),
        .response(id: 19, .storage(.located(descriptor: ByteBuffer(bytes: [3]), placement: nil))),
        .response(id: 20, .storage(.located(descriptor: nil, placement: nil))),
        .request(id: 11, .storage(.holds(ids: [Samples.key(3), Samples.key(4), Samples.key(5)]))),
        .request(id: 12, .storage(.holds(ids: []))),
        .response(id: 10, .storage(.confirmed(shards: 7, placement: nil))),
        .response(id: 13, .storage(.confirmed(shards: 1, placement: placement))),
        .request(id: 14, .storage(.getBlob(kind: .placement, key: Samples.key(2)))),
        .request(id: 15, .storage(.prove(id: Samples.key(3), leaf: 1023))),
        .request(id: 16, .storage(.adopt(descriptor: ByteBuffer(bytes: [2, 0, 1]),
                                         entries: [.init(slot: 1, segments: 0..<4), .init(slot: 7, segments: 9..<10)]))),
        .response(id: 15, .storage(.proof(leaf: ByteBuffer(bytes: [1, 2, 3]), leafCount: 1025,
                                          path: [Samples.key(4), Samples.key(5)]))),
        .response(id: 11, .storage(.holding([true, false, true, true, false, false, false, true, true]))),
        .response(id: 12, .storage(.holding([]))),
        .response(id: 4, .storage(.blob(nil))),
        .response(id: 5, .storage(.blob(ByteBuffer(bytes: [1])))),
        .response(id: 6, .storage(.deleted(shards: 42))),
        .request(id: 9, .echo(ByteBuffer(bytes: [1, 2, 3, 4]))),
        .response(id: 9, .echo(ByteBuffer())),
    ]

    @Test(arguments: messages)
    func roundTrips(_ message: WireMessage) throws {
        #expect(try decode(encoded(message)) == message)
    }

    @Test func capacityRequestVector() throws {
        let message = WireMessage.request(id: 0x0102, .storage(.capacity))
        // version 1, request, id, tag 3 (storage), op 2 (capacity)
        #expect(hex(encoded(message)) == "01" + "00" + "0000000000000102" + "03" + "02")
    }

    @Test func everyTruncationOfEveryFixedSizeMessageIsRefused() {
        for message in Self.messages {
            let full = encoded(message)
            for length in 0..<full.count {
                let prefix = Array(full.prefix(length))
                // Messages whose last field runs to the end of the frame decode at any length past their header.
                if let decoded = try? decode(prefix) {
                    #expect(decoded != message, "a truncated encoding decoded to the original")
                }
            }
        }
    }

    @Test func anUnknownOperationOrBlobKindIsRefused() {
        let badOp = bytes(hex: "01 00 0000000000000001 03 7f")
        #expect(throws: WireError.self) { try decode(badOp) }
        var blob = encoded(.request(id: 1, .storage(.getBlob(kind: .descriptor, key: Samples.key(1)))))
        blob[12] = 9
        #expect(throws: WireError.self) { try decode(blob) }
    }

    /// A peer that predates the free space and clock fields answers capacity with total and used only.
    @Test func aCapacityAnswerWithoutFreeSpaceAndClockStillDecodes() throws {
        // version 1, response, id 3, tag 3 (storage), op 2 (capacity), total 100, used 40
        let old = bytes(hex: "01 01 0000000000000003 03 02 0000000000000064 0000000000000028")
        #expect(try decode(old) == .response(id: 3, .storage(.capacity(total: 100, used: 40, free: 60, now: nil))))
    }

    @Test func aProbeAnswerIsABitmapInRequestOrder() throws {
        let flags = [true, false, false, true, false, false, false, false, true]
        let message = WireMessage.response(id: 1, .storage(.holding(flags)))
        // count 9, then bits 0 and 3 of the first byte, bit 0 of the second
        #expect(hex(encoded(message)).hasSuffix("06" + "0009" + "09" + "01"))
        var truncated = encoded(message)
        truncated.removeLast()
        #expect(throws: WireError.self) { try decode(truncated) }
    }

    @Test func confirmationsAreSignedByTheirOwnerAndNeverPassForADeleteOrder() {
        #expect(Self.confirmation.isSignatureValid)
        var forged = Self.confirmation
        forged.shardIDs.append(Samples.key(8))
        #expect(!forged.isSignatureValid)
        var otherFile = Self.confirmation
        otherFile.fileNonce = Samples.key(12)
        #expect(!otherFile.isSignatureValid)
        // The same fields signed as a confirmation do not make a valid delete order, nor the reverse.
        let c = Self.confirmation
        let asDelete = DeleteOrder(fileID: c.fileID, fileNonce: c.fileNonce, shardIDs: c.shardIDs, owner: c.owner,
                                   issued: c.issued, signature: c.signature)
        #expect(!asDelete.isSignatureValid)
        let d = Self.order
        let asConfirm = ConfirmOrder(fileID: d.fileID, fileNonce: d.fileNonce, shardIDs: d.shardIDs, owner: d.owner,
                                     issued: d.issued, signature: d.signature)
        #expect(!asConfirm.isSignatureValid)
    }

    @Test func deleteOrdersAreSignedByTheirOwner() {
        #expect(Self.order.isSignatureValid)
        var forged = Self.order
        forged.shardIDs.append(Samples.key(8))
        #expect(!forged.isSignatureValid)
        var otherFile = Self.order
        otherFile.fileNonce = Samples.key(12)
        #expect(!otherFile.isSignatureValid)
        var stolen = Self.order
        stolen.owner = Samples.identity(10).publicKey
        #expect(!stolen.isSignatureValid)
    }
}
