import CairnWire
import NIOCore

/// Splits the TCP byte stream into frames with `FrameParser`: a 4-byte big-endian length, then that many bytes;
/// after the handshake, opens each frame where it lies in the receive buffer and passes on its plaintext.
///
/// Until `phase` says the handshake completed, a length above the longest handshake message
/// (`FrameLimits.maxHandshakeMessageLength`, 421 bytes) closes the connection as soon as its four bytes arrive, so
/// an unauthenticated peer cannot make us buffer a session-sized frame; afterwards the hard maximum
/// (`FrameLimits.maxSealedFrameLength`, 4 MiB + 64 KiB + 16 bytes) applies. Either way nothing of a refused frame's
/// body is kept. A frame that does not open (`SessionError`) closes the connection too.
///
/// Once a session frame's length is known, room for all of it is reserved at once: the receive buffer does not
/// grow by doubling (a copy of what it holds each time) while a 1 MiB shard arrives in 64 KiB reads.
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
        guard let length = try parser.completeFrameLength(in: buffer) else {
            // The parser guarantees this; checked here too so that no change to it can let a peer pin memory.
            guard buffer.readableBytes < parser.maxBufferedByteCount else {
                throw WireError.frameTooLarge(buffer.readableBytes)
            }
            reserveRoomForFrame(in: &buffer)
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: FrameLimits.lengthPrefixByteCount)
        let frame: ByteBuffer
        if phase.isAuthenticated, var session = phase.opening {
            frame = try session.openInPlace(&buffer, bodyLength: length)
            phase.opening = session
        } else {
            frame = buffer.readSlice(length: length)!
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Reserves room for the rest of a session frame whose length has arrived (handshake frames are too small to
    /// matter). Only the pages written get memory: the reservation pins nothing the peer does not send.
    private func reserveRoomForFrame(in buffer: inout ByteBuffer) {
        guard phase.isAuthenticated, let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return
        }
        let missing = FrameLimits.lengthPrefixByteCount + Int(length) - buffer.readableBytes
        if missing > buffer.writableBytes { buffer.reserveCapacity(minimumWritableBytes: missing) }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
