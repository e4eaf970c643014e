import CairnWire
import NIOCore
import Testing

struct WireCodecTests {
    @Test(arguments: Samples.messages)
    func roundTrip(_ message: WireMessage) throws {
        var buffer = WireCodec.encode(message)
        let decoded = try WireCodec.decode(&buffer)
        #expect(decoded == message)
        #expect(buffer.readableBytes == 0)
    }

    @Test func longestErrorMessageRoundTrips() throws {
        let message = WireMessage.response(
            id: .max, .error(RemoteError(code: .internalError, message: String(repeating: "é", count: 512))))
        #expect(encoded(message).count == WireCodec.headerByteCount + 2 + 2 + 1024)
        #expect(try decode(encoded(message)) == message)
    }

    @Test func signedRecordsStillVerifyAfterTheTrip() throws {
        let message = try decode(encoded(.request(id: 1, .dht(.putPeerRecord(Samples.peerRecord)))))
        guard case .request(_, .dht(.putPeerRecord(let record))) = message else {
            Issue.record("decoded \(message)")
            return
        }
        #expect(record.isValid(now: .seconds(1_700_000_001)))
    }

    /// A record signed here skips re-verification (`PeerRecord.isValid`); a decoded one never does, even when it
    /// compares equal to one signed here.
    @Test func aDecodedRecordIsVerifiedWhateverItEquals() throws {
        var bytes = encoded(.request(id: 1, .dht(.putPeerRecord(Samples.peerRecord))))
        bytes[bytes.count - 1] ^= 1  // the signature's last byte
        guard case .request(_, .dht(.putPeerRecord(let forged))) = try decode(bytes) else {
            Issue.record("no record decoded")
            return
        }
        #expect(!forged.isValid(now: .seconds(1_700_000_001)))
        var resigned = forged
        resigned.signature = Samples.peerRecord.signature
        #expect(resigned == Samples.peerRecord)
        #expect(resigned.isValid(now: .seconds(1_700_000_001)))
    }

    // MARK: Byte-exact vectors

    @Test func leavingVector() throws {
        let expected = bytes(hex: "01 02 01 00")  // version, announcement, DHT, leaving
        #expect(encoded(.announcement(.dht(.leaving))) == expected)
        #expect(try decode(expected) == .announcement(.dht(.leaving)))
    }

    @Test func pingVector() throws {
        let expected = bytes(
            hex: """
                01                      version
                00                      request
                0000000000000001        id
                01                      DHT
                00                      ping
                """.replacingComments())
        #expect(encoded(.request(id: 1, .dht(.ping))) == expected)
        #expect(try decode(expected) == .request(id: 1, .dht(.ping)))
    }

    @Test func findNodeVector() throws {
        let target = try #require(Key256(hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"))
        let expected = bytes(
            hex: """
                01 00 0102030405060708 01
                01
                00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
                """)
        #expect(encoded(.request(id: 0x0102_0304_0506_0708, .dht(.findNode(target: target)))) == expected)
    }

    @Test func nodesVector() throws {
        let id = try #require(Key256(hex: String(repeating: "ab", count: 32)))
        let message = WireMessage.response(
            id: 7, .dht(.nodes([PeerInfo(id: id, address: PeerAddress(host: "10.0.0.1", port: 4001))])))
        let expected = bytes(
            hex: """
                01 01 0000000000000007 01
                01
                0001
                \(String(repeating: "ab", count: 32))
                08 31302e302e302e31 0fa1
                """)
        #expect(encoded(message) == expected)
        #expect(try decode(expected) == message)
    }

    @Test func remoteErrorVector() throws {
        let message = WireMessage.response(id: 2, .error(RemoteError(code: .notFound, message: "no such shard")))
        let expected = bytes(
            hex: """
                01 01 0000000000000002
                00
                0003
                000d 6e6f2073756368207368617264
                """)
        #expect(encoded(message) == expected)
        #expect(try decode(expected) == message)
    }

    @Test func peerRecordVector() throws {
        let publicKey = try #require(PublicKey(bytes: [UInt8](repeating: 0x11, count: 32)))
        let record = PeerRecord(
            publicKey: publicKey, addresses: [PeerAddress(host: "a", port: 2)], issued: Instant(nanoseconds: 3),
            expires: Instant(nanoseconds: -1), signature: [UInt8](repeating: 0x22, count: 64))
        let expected = bytes(
            hex: """
                01 01 0000000000000000 01
                02
                01
                \(String(repeating: "11", count: 32))
                0001 01 61 0002
                0000000000000003
                ffffffffffffffff
                \(String(repeating: "22", count: 64))
                0000
                """)
        #expect(encoded(.response(id: 0, .dht(.peerRecord(record, closer: [])))) == expected)
        #expect(try decode(expected) == .response(id: 0, .dht(.peerRecord(record, closer: []))))
    }

    // MARK: Refusals

    @Test(arguments: Samples.messages)
    func everyTruncationFailsCleanly(_ message: WireMessage) {
        let full = encoded(message)
        for length in 0..<full.count {
            var buffer = ByteBuffer(bytes: full[0..<length])
            let before = buffer
            #expect(throws: WireError.self) { try WireCodec.decode(&buffer) }
            #expect(buffer == before, "a failed decode must leave the payload as it was")
        }
    }

    @Test func truncationNamesWhatWasBeingRead() {
        let full = encoded(.request(id: 1, .dht(.findNode(target: Samples.key(1)))))
        #expect(throws: WireError.truncated(reading: "find-node target")) { try decode(Array(full.dropLast())) }
        #expect(throws: WireError.truncated(reading: "protocol version")) { try decode([]) }
    }

    @Test(arguments: Samples.messages)
    func trailingBytesAreRefused(_ message: WireMessage) {
        #expect(throws: WireError.trailingBytes(1)) { try decode(encoded(message) + [0]) }
    }

    @Test func headerRefusals() {
        #expect(throws: WireError.unsupportedVersion(2)) { try decode(bytes(hex: "02 00 0000000000000001 01 00")) }
        #expect(throws: WireError.unsupportedVersion(0)) { try decode([0]) }
        #expect(throws: WireError.unknownKind(3)) { try decode(bytes(hex: "01 03 0000000000000001 01 00")) }
        // An announcement has no id: what follows the kind is its protocol tag.
        #expect(throws: WireError.trailingBytes(8)) { try decode(bytes(hex: "01 02 01 00 0000000000000001")) }
        #expect(throws: WireError.unknownTag(9, in: "announcement protocol")) { try decode(bytes(hex: "01 02 09 00")) }
        #expect(throws: WireError.unknownTag(1, in: "DHT announcement")) { try decode(bytes(hex: "01 02 01 01")) }
        // A request this version does not know names its id, so that it can be answered instead of closing.
        #expect(throws: WireError.unsupportedRequest(id: 1, tag: 9, in: "request protocol")) {
            try decode(bytes(hex: "01 00 0000000000000001 09 00"))
        }
        // Tag 0 (error) exists only for responses.
        #expect(throws: WireError.unsupportedRequest(id: 1, tag: 0, in: "request protocol")) {
            try decode(bytes(hex: "01 00 0000000000000001 00 0001 0000"))
        }
        #expect(throws: WireError.unsupportedRequest(id: 7, tag: 6, in: "DHT request")) {
            try decode(bytes(hex: "01 00 0000000000000007 01 06"))
        }
        #expect(throws: WireError.unsupportedRequest(id: 2, tag: 99, in: "storage request")) {
            try decode(bytes(hex: "01 00 0000000000000002 03 63"))
        }
        // A request that is cut short is malformed, not unknown.
        #expect(throws: WireError.truncated(reading: "shard ID")) {
            try decode(bytes(hex: "01 00 0000000000000002 03 01 00"))
        }
        #expect(throws: WireError.unknownTag(6, in: "DHT response")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 06"))
        }
        #expect(throws: WireError.invalidValue("unknown error code 7", in: "error response")) {
            try decode(bytes(hex: "01 01 0000000000000001 00 0007 0000"))
        }
    }

    @Test func oversizedCountsAreRefusedBeforeReading() {
        // 65535 peers announced, none sent: refused on the count alone.
        #expect(throws: WireError.tooManyItems(count: 65535, max: 64, in: "peer list")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 01 ffff"))
        }
        #expect(throws: WireError.tooManyItems(count: 65, max: 64, in: "peer list")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 01 0041"))
        }
        // 64 peers announced (allowed) with bytes for none: truncated, without reserving room for 64.
        #expect(throws: WireError.truncated(reading: "peer list")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 01 0040"))
        }
        #expect(throws: WireError.tooManyItems(count: 9, max: 8, in: "record's addresses")) {
            try decode(bytes(hex: "01 00 0000000000000001 01 03 \(String(repeating: "00", count: 32)) 0009"))
        }
        #expect(throws: WireError.tooManyItems(count: 65, max: 64, in: "provider records")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 03 0041"))
        }
    }

    @Test func oversizedStringsAreRefused() {
        #expect(throws: WireError.oversized(length: 1025, max: 1024, in: "refusal")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 05 0401") + [UInt8](repeating: 0x61, count: 1025))
        }
        #expect(throws: WireError.oversized(length: 65535, max: 1024, in: "error message")) {
            try decode(bytes(hex: "01 01 0000000000000001 00 0001 ffff"))
        }
    }

    @Test func badValuesAreRefused() {
        let key = String(repeating: "00", count: 32)
        #expect(throws: WireError.badUTF8(in: "host")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 01 0001 \(key) 02 c328 0fa1"))
        }
        #expect(throws: WireError.invalidValue("the host is empty", in: "peer address")) {
            // A spare byte so that the list's size check passes and the host itself is read.
            try decode(bytes(hex: "01 01 0000000000000001 01 01 0001 \(key) 00 0fa1 00"))
        }
        #expect(throws: WireError.invalidValue("port 0 cannot be dialled", in: "peer address")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 01 0001 \(key) 01 61 0000"))
        }
        #expect(throws: WireError.invalidValue("a flag must be 0 or 1, not 2", in: "peer record flag")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 02 02 0000"))
        }
        #expect(throws: WireError.badUTF8(in: "refusal")) {
            try decode(bytes(hex: "01 01 0000000000000001 01 05 0001 ff"))
        }
    }

    @Test func seededCorruptionNeverTraps() {
        var random = SeededGenerator(seed: 0xC0FFEE)
        var decodedAnyway = 0
        for message in Samples.messages {
            let original = encoded(message)
            for _ in 0..<200 {
                var mutated = original
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0 where !mutated.isEmpty:
                        mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(
                            in: 0...255, using: &random)
                    case 1 where !mutated.isEmpty:
                        mutated.remove(at: Int.random(in: 0..<mutated.count, using: &random))
                    case 2:
                        mutated.insert(
                            UInt8.random(in: 0...255, using: &random),
                            at: Int.random(in: 0...mutated.count, using: &random))
                    default:
                        mutated = Array(mutated.prefix(Int.random(in: 0...mutated.count, using: &random)))
                    }
                }
                if let decoded = try? decode(mutated) {
                    decodedAnyway += 1
                    // Whatever decodes is canonical: it encodes back to exactly the same bytes.
                    #expect(encoded(decoded) == mutated)
                }
            }
        }
        // Some mutations only touch ids, keys or signatures and still decode; the point is that none trapped.
        #expect(decodedAnyway > 0)
    }

    // MARK: Encoding clamps to what decoding accepts

    @Test func encodingClampsListsAndText() throws {
        let tooMany = WireMessage.response(id: 1, .dht(.nodes(Samples.peers(100))))
        #expect(try decode(encoded(tooMany)) == .response(id: 1, .dht(.nodes(Samples.peers(64)))))

        // 1023 ASCII bytes then a 2-byte "é": the cut falls before the é rather than inside it.
        let text = String(repeating: "a", count: 1023) + "é"
        let decoded = try decode(encoded(.response(id: 1, .dht(.refused(text)))))
        #expect(decoded == .response(id: 1, .dht(.refused(String(repeating: "a", count: 1023)))))
    }
}

extension String {
    /// Drops the words after each hex field in a multi-line vector (anything after two spaces).
    func replacingComments() -> String {
        split(separator: "\n").map { line in
            guard let range = line.firstRange(of: "  ") else { return String(line) }
            return String(line[..<range.lowerBound])
        }.joined(separator: "\n")
    }
}
