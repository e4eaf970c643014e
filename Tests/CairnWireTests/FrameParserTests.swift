import CairnWire
import NIOCore
import Testing

struct FrameParserTests {
    @Test func limits() {
        #expect(FrameLimits.maxFrameLength == 4 * 1024 * 1024 + 64 * 1024)
        // m2 with a 255-byte host: type, version, ephemeral, key, address (flag, length, host, port), signature, tag.
        #expect(FrameLimits.maxHandshakeMessageLength == 1 + 1 + 32 + 32 + (1 + 1 + 255 + 2) + 64 + 32)
        #expect(FrameLimits.maxHandshakeMessageLength == 421)
        #expect(FrameLimits.maxSealedFrameLength == FrameLimits.maxFrameLength + 16)
    }

    @Test func framesArriveWholeWhateverTheChunking() throws {
        var stream = ByteBuffer()
        let bodies: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300), [1, 2, 3]]
        for body in bodies { stream.writeFrame(body) }
        let bytes = Array(stream.readableBytesView)
        #expect(Array(bytes.prefix(9)) == [0, 0, 0, 0, 0, 0, 0, 1, 1])

        for chunkSize in [1, 2, 3, 5, 64, bytes.count] {
            let parser = FrameParser(maxFrameLength: 1024)
            var cumulation = ByteBuffer()
            var received: [[UInt8]] = []
            for start in stride(from: 0, to: bytes.count, by: chunkSize) {
                cumulation.writeBytes(bytes[start..<min(start + chunkSize, bytes.count)])
                while let frame = try parser.nextFrame(from: &cumulation) {
                    received.append(Array(frame.readableBytesView))
                }
            }
            #expect(received == bodies, "chunk size \(chunkSize)")
            #expect(cumulation.readableBytes == 0)
        }
    }

    @Test func incompleteFrameLeavesTheBufferAlone() throws {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 5, 1, 2])
        let parser = FrameParser(maxFrameLength: 10)
        #expect(try parser.nextFrame(from: &buffer) == nil)
        #expect(buffer.readableBytes == 6)
        var short = ByteBuffer(bytes: [0, 0])
        #expect(try parser.nextFrame(from: &short) == nil)
    }

    @Test func oversizedFrameIsRefusedOnItsLengthAlone() {
        let parser = FrameParser(maxFrameLength: 1024)
        var buffer = ByteBuffer(bytes: [0, 0, 0x04, 0x01])  // 1025, no body yet
        #expect(throws: WireError.frameTooLarge(1025)) { try parser.nextFrame(from: &buffer) }
        var huge = ByteBuffer(bytes: [0xff, 0xff, 0xff, 0xff])
        #expect(throws: WireError.frameTooLarge(Int(UInt32.max))) {
            try FrameParser().nextFrame(from: &huge)
        }
        var exactly = ByteBuffer()
        exactly.writeFrame([UInt8](repeating: 0, count: 1024))
        #expect((try? parser.nextFrame(from: &exactly))??.readableBytes == 1024)
    }

    // MARK: Before and after the handshake

    @Test func aFreshParserRefusesMoreThanTheLongestHandshakeMessage() {
        let parser = FrameParser()
        #expect(parser.maxFrameLength == FrameLimits.maxHandshakeMessageLength)
        // The flood that motivated the limit: a 4 MiB length, then the body.
        var flood = ByteBuffer()
        flood.writeInteger(UInt32(4 * 1024 * 1024))
        #expect(throws: WireError.frameTooLarge(4 * 1024 * 1024)) { try parser.nextFrame(from: &flood) }
        var oneOver = ByteBuffer()
        oneOver.writeInteger(UInt32(FrameLimits.maxHandshakeMessageLength + 1))
        #expect(throws: WireError.frameTooLarge(FrameLimits.maxHandshakeMessageLength + 1)) {
            try parser.nextFrame(from: &oneOver)
        }
        #expect(oneOver.readerIndex == 0, "a refused length consumes nothing")
    }

    @Test func aFreshParserAcceptsExactlyTheLongestHandshakeMessage() throws {
        let parser = FrameParser()
        var buffer = ByteBuffer()
        buffer.writeFrame([UInt8](repeating: 2, count: FrameLimits.maxHandshakeMessageLength))
        let frame = try #require(try parser.nextFrame(from: &buffer))
        #expect(frame.readableBytes == FrameLimits.maxHandshakeMessageLength)
        #expect(buffer.readableBytes == 0)
    }

    @Test func afterTheHandshakeFramesUpToTheHardMaximumPass() throws {
        var parser = FrameParser()
        parser.handshakeCompleted()
        #expect(parser.maxFrameLength == FrameLimits.maxSealedFrameLength)
        var largest = ByteBuffer()
        largest.writeFrame([UInt8](repeating: 3, count: FrameLimits.maxSealedFrameLength))
        #expect(try parser.nextFrame(from: &largest)?.readableBytes == FrameLimits.maxSealedFrameLength)
        var over = ByteBuffer()
        over.writeInteger(UInt32(FrameLimits.maxSealedFrameLength + 1))
        #expect(throws: WireError.frameTooLarge(FrameLimits.maxSealedFrameLength + 1)) {
            try parser.nextFrame(from: &over)
        }
    }

    /// A driver that appends what arrives and calls `nextFrame` until nil never holds `maxBufferedByteCount`
    /// bytes, however the stream is cut.
    @Test(arguments: [1, 7, 100, 421, 4096])
    func aPartialFrameNeverHoldsMoreThanTheLimit(chunkSize: Int) throws {
        let parser = FrameParser()
        var stream = ByteBuffer()
        for length in [FrameLimits.maxHandshakeMessageLength, 0, 66, FrameLimits.maxHandshakeMessageLength] {
            stream.writeFrame([UInt8](repeating: 1, count: length))
        }
        let bytes = Array(stream.readableBytesView)
        var cumulation = ByteBuffer()
        var frames = 0
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            cumulation.writeBytes(bytes[start..<min(start + chunkSize, bytes.count)])
            while try parser.nextFrame(from: &cumulation) != nil { frames += 1 }
            #expect(cumulation.readableBytes < parser.maxBufferedByteCount)
        }
        #expect(frames == 4)
    }
}
