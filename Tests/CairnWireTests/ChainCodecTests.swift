import CairnWire
import NIOCore
import Testing

struct ChainCodecTests {
    static func blob(_ count: Int, _ fill: UInt8) -> ByteBuffer { ByteBuffer(repeating: fill, count: count) }

    static let messages: [WireMessage] = [
        .announcement(.chain(.status(height: 0, tip: .zero))),
        .announcement(.chain(.status(height: .max, tip: Samples.key(7)))),
        .announcement(.chain(.proposal(blob(200, 1)))),
        .announcement(.chain(.votes([]))),
        .announcement(.chain(.votes((0..<ChainLimits.maxVotesPerAnnouncement).map { blob(150, UInt8($0 % 256)) }))),
        .announcement(.chain(.transactionsAvailable([Samples.key(1), Samples.key(2)]))),
        .request(id: 1, .chain(.getTransactions([]))),
        .request(id: 2, .chain(.getTransactions((0..<ChainLimits.maxHashesPerMessage).map { Samples.key(UInt8($0 % 256)) }))),
        .request(id: 3, .chain(.getProposedBlock(Samples.key(3)))),
        .request(id: 4, .chain(.getBlocks(from: 17, maxCount: 256))),
        .response(id: 1, .chain(.transactions([blob(190, 9), blob(0, 0)]))),
        .response(id: 2, .chain(.proposedBlock(nil))),
        .response(id: 3, .chain(.proposedBlock(blob(ChainLimits.maxBlockBytes, 5)))),
        .response(id: 4, .chain(.blocks([]))),
        .response(id: 5, .chain(.blocks([CommittedBlockBytes(block: blob(500, 1), commit: blob(300, 2))]))),
    ]

    @Test(arguments: messages)
    func roundTrip(_ message: WireMessage) throws {
        var buffer = WireCodec.encode(message)
        #expect(try WireCodec.decode(&buffer) == message)
        #expect(buffer.readableBytes == 0)
    }

    @Test func statusVector() throws {
        let expected = bytes(hex: "01 02 04 00 0000000000000005") + [UInt8](repeating: 0, count: 32)
        let message = WireMessage.announcement(.chain(.status(height: 5, tip: .zero)))
        #expect(encoded(message) == expected)
        #expect(try decode(expected) == message)
    }

    @Test func aVoteOverItsLimitIsRefusedBeforeItsBytesArrive() {
        // version, announcement, chain, votes, one vote claiming 1 KiB + 1 bytes, and none of them.
        let frame = bytes(hex: "01 02 04 02 0001 00000401")
        #expect(throws: WireError.oversized(length: 1025, max: ChainLimits.maxSignedMessageBytes, in: "vote")) {
            try decode(frame)
        }
    }

    @Test func aHashCountOverItsLimitIsRefused() {
        let frame = bytes(hex: "01 00 0000000000000001 04 00 0401")
        #expect(throws: WireError.tooManyItems(count: 1025, max: ChainLimits.maxHashesPerMessage, in: "transaction hashes")) {
            try decode(frame)
        }
    }

    @Test func aBlockPresenceThatIsNotABooleanIsRefused() {
        let frame = bytes(hex: "01 01 0000000000000001 04 01 02")
        #expect(throws: WireError.self) { try decode(frame) }
    }

    @Test func truncatedChainMessagesAreRefusedNotTrapped() throws {
        for message in Self.messages {
            let whole = encoded(message)
            for cut in stride(from: 0, to: whole.count, by: max(1, whole.count / 40)) {
                #expect(throws: WireError.self) { try decode(Array(whole.prefix(cut))) }
            }
        }
    }
}
