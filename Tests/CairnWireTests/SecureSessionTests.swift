import NIOCore
import Testing

@testable import CairnWire

struct SecureSessionTests {
    static let keyA = [UInt8](repeating: 0xa1, count: 32)
    static let keyB = [UInt8](repeating: 0xb2, count: 32)

    /// Two ends of one connection.
    static func pair() throws -> (SecureSession, SecureSession) {
        (
            try SecureSession(sendingKey: keyA, receivingKey: keyB),
            try SecureSession(sendingKey: keyB, receivingKey: keyA)
        )
    }

    /// Seals `text` and returns the frame body (the bytes after the length prefix).
    static func sealBody(_ session: inout SecureSession, _ plaintext: [UInt8]) throws -> ByteBuffer {
        var frame = ByteBuffer()
        try session.seal(ByteBuffer(bytes: plaintext), into: &frame)
        let prefix = frame.readInteger(as: UInt32.self)
        let length = try #require(prefix)
        #expect(Int(length) == plaintext.count + 16)
        #expect(frame.readableBytes == Int(length))
        return frame
    }

    @Test func roundTripBothWays() throws {
        var (a, b) = try Self.pair()
        for n in 0..<50 {
            let message = Array("frame \(n)".utf8)
            #expect(Array(try b.open(Self.sealBody(&a, message)).readableBytesView) == message)
            #expect(Array(try a.open(Self.sealBody(&b, message + message)).readableBytesView) == message + message)
        }
        #expect(a.sealedFrameCount == 50)
        #expect(b.openedFrameCount == 50)
    }

    @Test(arguments: [0, 1, 1_000, 1 << 20])
    func sealingInPlaceSendsTheSameBytes(length: Int) throws {
        var (a, b) = try Self.pair()
        let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let gcm = try AESGCM(key: Self.keyA)
        for counter in 0..<UInt64(3) {
            // The frame as DESIGN.md §3 spells it: u32 length ‖ AES-256-GCM(plaintext) ‖ tag, nonce 0⁴ ‖ counter.
            let nonce = [UInt8](repeating: 0, count: 4) + withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            var expected = ByteBuffer()
            expected.writeInteger(UInt32(length + 16))
            expected.writeBytes(try gcm.seal(plaintext, nonce: nonce))
            var frame = ByteBuffer()
            frame.writeInteger(UInt32(0))
            frame.writeBytes(plaintext)
            try a.sealInPlace(&frame)
            #expect(frame == expected)
            frame.moveReaderIndex(forwardBy: 4)
            #expect(Array(try b.open(frame).readableBytesView) == plaintext)
        }
        #expect(a.sealedFrameCount == 3)
        var tooBig = ByteBuffer()
        tooBig.writeInteger(UInt32(0))
        tooBig.writeRepeatingByte(0, count: FrameLimits.maxFrameLength + 1)
        #expect(throws: SessionError.frameTooLarge(FrameLimits.maxFrameLength + 1)) { try a.sealInPlace(&tooBig) }
        #expect(a.sealedFrameCount == 3, "a refused frame uses no counter")
    }

    @Test func emptyAndLargestFrames() throws {
        var (a, b) = try Self.pair()
        #expect(try b.open(Self.sealBody(&a, [])).readableBytes == 0)
        let largest = [UInt8](repeating: 0x5a, count: FrameLimits.maxFrameLength)
        let opened = try b.open(Self.sealBody(&a, largest))
        #expect(opened.readableBytes == FrameLimits.maxFrameLength)
        #expect(opened == ByteBuffer(bytes: largest))
    }

    /// The nonce is 4 zero bytes and the big-endian frame counter; the frame is plain AES-256-GCM without AAD.
    @Test func frameLayoutIsAESGCMWithCounterNonce() throws {
        var (a, _) = try Self.pair()
        let gcm = try AESGCM(key: Self.keyA)
        _ = try Self.sealBody(&a, [0])
        let second = try Self.sealBody(&a, [1, 2, 3])
        let expected = try gcm.seal([1, 2, 3], nonce: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(Array(second.readableBytesView) == expected)
    }

    @Test func sealAppendsAfterExistingBytes() throws {
        var (a, b) = try Self.pair()
        var output = ByteBuffer(bytes: [0xee, 0xee])
        try a.seal(ByteBuffer(bytes: [4, 5]), into: &output)
        #expect(output.readableBytes == 2 + 4 + 2 + 16)
        output.moveReaderIndex(forwardBy: 2 + 4)
        #expect(Array(try b.open(output).readableBytesView) == [4, 5])
    }

    @Test func tamperedFramesFail() throws {
        var (a, b) = try Self.pair()
        let body = Array(try Self.sealBody(&a, Array("pay 10 to provider 7".utf8)).readableBytesView)
        for index in body.indices {
            var altered = body
            altered[index] ^= 0x01
            #expect(throws: SessionError.authenticationFailed) { try b.open(ByteBuffer(bytes: altered)) }
        }
        #expect(throws: SessionError.authenticationFailed) { try b.open(ByteBuffer(bytes: body.dropLast())) }
        // Failures did not advance the counter: the genuine frame still opens.
        #expect(b.openedFrameCount == 0)
        #expect(Array(try b.open(ByteBuffer(bytes: body)).readableBytesView) == Array("pay 10 to provider 7".utf8))
    }

    @Test func replayedFrameFails() throws {
        var (a, b) = try Self.pair()
        let first = try Self.sealBody(&a, [1])
        let second = try Self.sealBody(&a, [2])
        _ = try b.open(first)
        #expect(throws: SessionError.authenticationFailed) { try b.open(first) }
        #expect(Array(try b.open(second).readableBytesView) == [2])
        #expect(throws: SessionError.authenticationFailed) { try b.open(second) }
    }

    @Test func reorderedFramesFail() throws {
        var (a, b) = try Self.pair()
        let first = try Self.sealBody(&a, [1])
        let second = try Self.sealBody(&a, [2])
        #expect(throws: SessionError.authenticationFailed) { try b.open(second) }
        _ = try b.open(first)
        _ = try b.open(second)
    }

    @Test func wrongKeyOrDirectionFails() throws {
        var (a, b) = try Self.pair()
        let body = try Self.sealBody(&a, [1, 2, 3])
        // The sender's own receiving direction uses the other key.
        #expect(throws: SessionError.authenticationFailed) { try a.open(body) }
        var stranger = try SecureSession(sendingKey: Self.keyB, receivingKey: Random.bytes(32))
        #expect(throws: SessionError.authenticationFailed) { try stranger.open(body) }
        _ = try b.open(body)
    }

    @Test func sizeLimits() throws {
        var (a, b) = try Self.pair()
        var output = ByteBuffer()
        let tooBig = ByteBuffer(repeating: 0, count: FrameLimits.maxFrameLength + 1)
        #expect(throws: SessionError.frameTooLarge(FrameLimits.maxFrameLength + 1)) {
            try a.seal(tooBig, into: &output)
        }
        #expect(output.readableBytes == 0)
        #expect(a.sealedFrameCount == 0)
        #expect(throws: SessionError.frameTooShort(15)) { try b.open(ByteBuffer(repeating: 0, count: 15)) }
        #expect(throws: SessionError.frameTooLarge(FrameLimits.maxFrameLength + 1)) {
            try b.open(ByteBuffer(repeating: 0, count: FrameLimits.maxSealedFrameLength + 1))
        }
    }

    @Test func counterExhaustion() throws {
        var a = try SecureSession(
            sendingKey: Self.keyA, receivingKey: Self.keyB, sendingCounter: .max - 1, receivingCounter: 0)
        var b = try SecureSession(
            sendingKey: Self.keyB, receivingKey: Self.keyA, sendingCounter: 0, receivingCounter: .max - 1)
        let last = try Self.sealBody(&a, [1])
        var output = ByteBuffer()
        #expect(throws: SessionError.counterExhausted) { try a.seal(ByteBuffer(bytes: [2]), into: &output) }
        #expect(Array(try b.open(last).readableBytesView) == [1])
        #expect(throws: SessionError.counterExhausted) { try b.open(last) }
    }

    @Test func errorsReadAsSentences() {
        #expect(SessionError.authenticationFailed.description.contains("replayed"))
        #expect(SessionError.frameTooLarge(5_000_000).description.contains("5000000"))
    }

    @Test(arguments: [0, 1, 1_000, 1 << 20])
    func openingInPlaceGivesThePlaintextWhereTheCiphertextWas(length: Int) throws {
        var (a, b) = try Self.pair()
        let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        // Two frames back to back in one buffer, as a receive buffer holds them, then a stray byte.
        var stream = ByteBuffer()
        for _ in 0..<2 {
            var body = try Self.sealBody(&a, plaintext)
            stream.writeBuffer(&body)
        }
        stream.writeInteger(UInt8(0xee))
        let bodyLength = length + FrameLimits.sealOverhead
        for n in 1...2 {
            let opened = try b.openInPlace(&stream, bodyLength: bodyLength)
            #expect(Array(opened.readableBytesView) == plaintext)
            #expect(b.openedFrameCount == UInt64(n))
        }
        #expect(Array(stream.readableBytesView) == [0xee])
    }

    @Test func aTamperedFrameDoesNotOpenInPlace() throws {
        var (a, b) = try Self.pair()
        var body = try Self.sealBody(&a, Array("pay 10 to carol".utf8))
        let tampered = body.readerIndex + 3
        body.setInteger(body.getInteger(at: tampered, as: UInt8.self)! ^ 1, at: tampered)
        #expect(throws: SessionError.authenticationFailed) {
            _ = try b.openInPlace(&body, bodyLength: body.readableBytes)
        }
        #expect(b.openedFrameCount == 0)
        var short = ByteBuffer(bytes: [1, 2, 3])
        #expect(throws: SessionError.frameTooShort(3)) { _ = try b.openInPlace(&short, bodyLength: 3) }
        #expect(throws: SessionError.frameTooShort(3)) { _ = try b.openInPlace(&short, bodyLength: 40) }
    }

}
