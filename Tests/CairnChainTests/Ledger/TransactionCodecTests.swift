import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct TransactionCodecTests {
    let f = LedgerFixture()

    var samples: [SignedTransaction] {
        [
            f.transfer(f.alice, to: f.bob, 12_345, nonce: 7),
            f.tx(f.alice, nonce: 1, .bond(amount: Amount(5))),
            f.tx(f.alice, nonce: 2, .unbond(amount: Amount(6))),
            f.tx(f.bob, nonce: 0, .faucet),
            f.tx(f.carol, nonce: 9, .extension(kind: 513, payload: [1, 2, 3])),
        ]
    }

    @Test func roundTripsKeepBytesHashAndSignature() throws {
        for tx in samples {
            let decoded = try SignedTransaction(decoding: tx.encoded)
            #expect(decoded == tx)
            #expect(decoded.transaction == tx.transaction)
            #expect(decoded.hash == tx.hash && decoded.hash == SHA256.hash(tx.encoded))
            #expect(decoded.verifySignature(chainID: f.chainID))
            #expect(!decoded.verifySignature(chainID: LedgerFixture.otherChainID))
        }
    }

    @Test func theLayoutIsFixed() {
        let tx = f.tx(f.bob, nonce: 0x0102, fee: 0x0a, .faucet)
        let bytes = tx.encoded
        #expect(bytes.count == SignedTransaction.minEncodedBytes)
        #expect(bytes[0] == 1)
        #expect(Array(bytes[1..<33]) == f.chainID.hash.bytes)
        #expect(Array(bytes[33..<65]) == f.bob.publicKey.bytes)
        #expect(Array(bytes[65..<73]) == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(Array(bytes[73..<81]) == [0, 0, 0, 0, 0, 0, 0, 10])
        #expect(bytes[81] == 4)
        #expect(tx.signingBytes == Array("cairn-tx-v1".utf8) + bytes[..<82])
    }

    @Test func truncatedInputReadsAsNilAndRewinds() throws {
        for tx in samples {
            for cut in 0..<tx.encoded.count {
                var buffer = ByteBuffer(bytes: tx.encoded.prefix(cut))
                #expect(try buffer.readSignedTransaction() == nil)
                #expect(buffer.readerIndex == 0)
                #expect(throws: WireError.truncated(reading: "transaction")) {
                    try SignedTransaction(decoding: Array(tx.encoded.prefix(cut)))
                }
            }
        }
    }

    @Test func invalidBytesThrow() {
        var bytes = samples[0].encoded
        bytes[0] = 2
        #expect(throws: WireError.self) { try SignedTransaction(decoding: bytes) }
        bytes = samples[0].encoded
        bytes[81] = 99
        #expect(throws: WireError.unknownTag(99, in: "transaction kind")) { try SignedTransaction(decoding: bytes) }
        #expect(throws: WireError.trailingBytes(1)) { try SignedTransaction(decoding: samples[0].encoded + [0]) }
        #expect(throws: WireError.self) {
            try SignedTransaction(decoding: [UInt8](repeating: 0, count: SignedTransaction.maxEncodedBytes + 1))
        }
        // An extension payload announcing more than the limit is refused before reading it.
        var header = Array(samples[4].encoded[..<84])
        header += [0x7f, 0xff, 0xff, 0xff]
        #expect(throws: WireError.self) { try SignedTransaction(decoding: header) }
    }

    @Test func corruptedEncodingsNeverTrapAndStayCanonical() throws {
        let block = f.block(on: try f.genesis(), samples)
        for original in samples.map(\.encoded) + [block.encoded] {
            for index in 0..<original.count {
                var bytes = original
                bytes[index] ^= 0x5a
                bytes.withUnsafeBytes { cairnLedgerFuzzOne($0) }
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 0xcafe)
        for round in 0..<20_000 {
            let length = Int(generator.next() % 200)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Half the inputs start like a transaction, so that the decoder gets past the version byte.
            if round % 2 == 0, !bytes.isEmpty {
                bytes[0] = 1
                if bytes.count > 81 { bytes[81] = UInt8(generator.next() % 6) }
            }
            bytes.withUnsafeBytes { cairnLedgerFuzzOne($0) }
        }
    }
}

/// A small seeded generator for fuzz-style tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
