import CairnWire
import NIOCore
import NIOEmbedded
import Testing

@testable import CairnNet

/// The frame decoder in a pipeline of its own, as `Transport` sets it up, with no sockets.
struct LengthPrefixedFrameDecoderTests {
    static func channel(_ phase: ConnectionPhase, after: [ChannelHandler] = []) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(LengthPrefixedFrameDecoder.handler(phase: phase))
        try channel.pipeline.syncOperations.addHandlers(after)
        return channel
    }

    static func frame(_ length: Int, byte: UInt8 = 0xab) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeFrame(repeatElement(byte, count: length))
        return buffer
    }

    static func prefix(_ length: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(length))
        return buffer
    }

    // MARK: Before the handshake

    @Test func aLengthAboveTheHandshakeMaximumIsRefusedOnItsFourBytes() throws {
        for length in [FrameLimits.maxHandshakeMessageLength + 1, 4 * 1024 * 1024] {
            let channel = try Self.channel(ConnectionPhase())
            #expect(throws: WireError.frameTooLarge(length)) { try channel.writeInbound(Self.prefix(length)) }
            // The decoder is done with this connection: later bytes are not kept either.
            #expect(throws: ByteToMessageDecoderError.self) { try channel.writeInbound(Self.frame(1)) }
            #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
            _ = try? channel.finish()
        }
    }

    @Test func theFloodIsRefusedWhateverFollowsTheLength() throws {
        // One read as the attacker sends it: a 4 MiB length and the first 64 KiB of the body.
        let channel = try Self.channel(ConnectionPhase())
        var read = Self.prefix(4 * 1024 * 1024)
        read.writeRepeatingByte(0, count: 64 * 1024)
        #expect(throws: WireError.frameTooLarge(4 * 1024 * 1024)) { try channel.writeInbound(read) }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func exactlyTheHandshakeMaximumPasses() throws {
        let channel = try Self.channel(ConnectionPhase())
        var stream = Self.frame(FrameLimits.maxHandshakeMessageLength)
        while let chunk = stream.readSlice(length: min(100, stream.readableBytes)), chunk.readableBytes > 0 {
            try channel.writeInbound(chunk)
        }
        let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(frame.readableBytes == FrameLimits.maxHandshakeMessageLength)
        #expect(try channel.finish().isClean)
    }

    // MARK: After the handshake

    @Test func afterTheHandshakeFramesUpToTheHardMaximumPass() throws {
        let phase = ConnectionPhase()
        let channel = try Self.channel(phase)
        phase.handshakeCompleted()
        try channel.writeInbound(Self.frame(FrameLimits.maxSealedFrameLength))
        let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(frame.readableBytes == FrameLimits.maxSealedFrameLength)
        #expect(throws: WireError.frameTooLarge(FrameLimits.maxSealedFrameLength + 1)) {
            try channel.writeInbound(Self.prefix(FrameLimits.maxSealedFrameLength + 1))
        }
        _ = try? channel.finish()
    }

    /// Sets the phase when the first frame (the last handshake message) goes by, as `SecureChannelHandler` does.
    final class CompletesHandshakeOnFirstFrame: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let phase: ConnectionPhase
        init(_ phase: ConnectionPhase) { self.phase = phase }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            phase.handshakeCompleted()
            context.fireChannelRead(data)
        }
    }

    @Test func aSessionFrameRightBehindTheLastHandshakeMessageGetsTheSessionLimit() throws {
        // m3 and the first request can arrive in one read; the second must be decoded with the raised limit.
        let phase = ConnectionPhase()
        let channel = try Self.channel(phase, after: [CompletesHandshakeOnFirstFrame(phase)])
        var read = Self.frame(388)
        var request = Self.frame(200 * 1024)
        read.writeBuffer(&request)
        try channel.writeInbound(read)
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 388)
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 200 * 1024)
        #expect(try channel.finish().isClean)
    }

    // MARK: Opening frames where they lie

    /// Two ends of a session, as the handshake leaves them.
    static func sessions() throws -> (sender: SecureSession, receiver: SecureSession) {
        let (a, b) = ([UInt8](repeating: 0xa1, count: 32), [UInt8](repeating: 0xb2, count: 32))
        return (try SecureSession(sendingKey: a, receivingKey: b), try SecureSession(sendingKey: b, receivingKey: a))
    }

    static func sealed(_ plaintext: [UInt8], by session: inout SecureSession) throws -> ByteBuffer {
        var frame = ByteBuffer()
        try session.seal(ByteBuffer(bytes: plaintext), into: &frame)
        return frame
    }

    @Test func sessionFramesArriveOpenedWhateverTheReadsCutThem() throws {
        var (sender, receiver) = try Self.sessions()
        let phase = ConnectionPhase()
        let channel = try Self.channel(phase)
        phase.handshakeCompleted(opening: receiver)
        let shard = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var stream = ByteBuffer()
        for plaintext in [shard, [1, 2, 3], shard] {
            var frame = try Self.sealed(plaintext, by: &sender)
            stream.writeBuffer(&frame)
        }
        // 64 KiB reads, as a socket delivers a shard, the last one cutting the small frame in two.
        while let read = stream.readSlice(length: min(65_536, stream.readableBytes)), read.readableBytes > 0 {
            try channel.writeInbound(read)
        }
        for expected in [shard, [1, 2, 3], shard] {
            let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
            #expect(Array(frame.readableBytesView) == expected)
        }
        #expect(phase.opening?.openedFrameCount == 3)
        #expect(try channel.finish().isClean)
    }

    @Test func aSessionFrameThatDoesNotOpenClosesTheConnection() throws {
        var (sender, receiver) = try Self.sessions()
        let phase = ConnectionPhase()
        let channel = try Self.channel(phase)
        phase.handshakeCompleted(opening: receiver)
        var frame = try Self.sealed(Array("hello".utf8), by: &sender)
        frame.setInteger(frame.getInteger(at: 6, as: UInt8.self)! ^ 0x80, at: 6)
        #expect(throws: SessionError.authenticationFailed) { try channel.writeInbound(frame) }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    // MARK: What a partial frame holds

    /// Forwards everything; only here to lend the decoder a context.
    final class Probe: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
    }

    /// Drives the decoder as `ByteToMessageHandler` does, one read at a time, and looks at what it leaves behind.
    @Test(arguments: [1, 13, 421, 2048, 65536])
    func aPartialFrameNeverHoldsMoreThanTheLimit(readSize: Int) throws {
        let phase = ConnectionPhase()
        let channel = EmbeddedChannel(handler: Probe())
        let context = try channel.pipeline.syncOperations.context(handlerType: Probe.self)
        var decoder = LengthPrefixedFrameDecoder(phase: phase)

        var stream = ByteBuffer()
        for length in [FrameLimits.maxHandshakeMessageLength, 66, FrameLimits.maxHandshakeMessageLength] {
            var frame = Self.frame(length)
            stream.writeBuffer(&frame)
        }
        var cumulation = ByteBuffer()
        var frames = 0
        while let read = stream.readSlice(length: min(readSize, stream.readableBytes)), read.readableBytes > 0 {
            cumulation.writeImmutableBuffer(read)
            while try decoder.decode(context: context, buffer: &cumulation) == .continue { frames += 1 }
            let limit = FrameLimits.lengthPrefixByteCount + FrameLimits.maxHandshakeMessageLength
            #expect(cumulation.readableBytes < limit)
        }
        #expect(frames == 3)
        #expect(cumulation.readableBytes == 0)
        _ = try? channel.finish()
    }
}
