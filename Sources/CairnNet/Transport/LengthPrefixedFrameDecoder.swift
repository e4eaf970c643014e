import CairnWire
import NIOCore

/// Splits the TCP byte stream into frames with `FrameParser`: a 4-byte big-endian length, then that many bytes.
///
/// Until `phase` says the handshake completed, a length above the longest handshake message
/// (`FrameLimits.maxHandshakeMessageLength`, 421 bytes) closes the connection as soon as its four bytes arrive, so
/// an unauthenticated peer cannot make us buffer a session-sized frame; afterwards the hard maximum
/// (`FrameLimits.maxSealedFrameLength`, 4 MiB + 64 KiB + 16 bytes) applies. Either way nothing of a refused frame's
/// body is kept.
struct LengthPrefixedFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    private var parser = FrameParser()
    private let phase: ConnectionPhase

    init(phase: ConnectionPhase) {
        self.phase = phase
    }

    /// The decoder in a `ByteToMessageHandler` that also refuses to hold more than the largest frame after the
    /// handshake (its prefix plus `FrameLimits.maxSealedFrameLength`), a second bound behind the parser's.
    static func handler(phase: ConnectionPhase) -> ByteToMessageHandler<Self> {
        ByteToMessageHandler(
            Self(phase: phase),
            maximumBufferSize: FrameLimits.lengthPrefixByteCount + FrameLimits.maxSealedFrameLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // Read before each frame: the handler after us learns of the handshake's end while we fire a frame.
        if phase.isAuthenticated { parser.handshakeCompleted() }
        guard let frame = try parser.nextFrame(from: &buffer) else {
            // The parser guarantees this; checked here too so that no change to it can let a peer pin memory.
            guard buffer.readableBytes < parser.maxBufferedByteCount else {
                throw WireError.frameTooLarge(buffer.readableBytes)
            }
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
