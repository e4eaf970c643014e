import CairnWire
import NIOCore

/// Splits the TCP byte stream into frames: a 4-byte big-endian length, then that many bytes.
/// A length above the hard maximum closes the connection before any of the frame is buffered.
struct LengthPrefixedFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Largest frame body: the biggest plaintext plus the AEAD tag.
    static let maxBodyLength = FrameLimits.maxFrameLength + AESGCM.tagByteCount

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= LengthPrefixedFrameDecoder.maxBodyLength else {
            throw TransportError.frameTooLarge(Int(length), limit: LengthPrefixedFrameDecoder.maxBodyLength)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
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
