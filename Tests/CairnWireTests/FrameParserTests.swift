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
}
