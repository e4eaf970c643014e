import NIOCore

/// Cuts a byte stream into frames: a 4-byte big-endian length, then that many bytes.
///
/// Pure: the NIO driver feeds it its cumulation buffer and gets whole frame bodies back. A length over
/// `maxFrameLength` is refused as soon as its four bytes arrive, before a single byte of the body is buffered, so
/// a peer cannot make the connection hold more than one frame's worth of memory. A fresh parser allows handshake
/// messages only (`FrameLimits.maxHandshakeMessageLength`, 421 bytes): DESIGN.md §3, "before the handshake
/// completes the maximum is the handshake's own, enforced before anything is buffered".
public struct FrameParser: Sendable {
    /// Largest body accepted. `FrameLimits.maxHandshakeMessageLength` while handshaking, then
    /// `FrameLimits.maxSealedFrameLength`.
    public var maxFrameLength: Int

    public init(maxFrameLength: Int = FrameLimits.maxHandshakeMessageLength) {
        self.maxFrameLength = maxFrameLength
    }

    /// The handshake completed: from now on sealed frames up to `FrameLimits.maxSealedFrameLength` (4 MiB + 64 KiB
    /// + 16 bytes) are allowed, since the peer has proved who it is.
    public mutating func handshakeCompleted() {
        maxFrameLength = FrameLimits.maxSealedFrameLength
    }

    /// Most bytes a cumulation buffer holds while it waits for the rest of a frame: the 4-byte prefix plus the
    /// longest body allowed. Whenever `nextFrame` returns nil the buffer holds fewer than this.
    public var maxBufferedByteCount: Int { FrameLimits.lengthPrefixByteCount + maxFrameLength }

    /// The next complete frame's body (without its length prefix), consumed from `buffer`; nil, with `buffer`
    /// untouched, when the frame is not complete yet. Throws `frameTooLarge` for a length over the limit.
    public func nextFrame(from buffer: inout ByteBuffer) throws(WireError) -> ByteBuffer? {
        guard let length = try completeFrameLength(in: buffer) else { return nil }
        buffer.moveReaderIndex(forwardBy: FrameLimits.lengthPrefixByteCount)
        return buffer.readSlice(length: length)
    }

    /// The body length of the frame at `buffer`'s reader index once all of it is in `buffer`; nil before.
    /// Throws `frameTooLarge` for a length over the limit, as soon as the prefix is there.
    public func completeFrameLength(in buffer: ByteBuffer) throws(WireError) -> Int? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maxFrameLength else { throw WireError.frameTooLarge(Int(length)) }
        guard buffer.readableBytes >= FrameLimits.lengthPrefixByteCount + Int(length) else { return nil }
        return Int(length)
    }
}

extension ByteBuffer {
    /// Writes `body` as one frame: its length as a big-endian u32, then the bytes. The caller keeps `body` under
    /// the receiver's limit (`FrameLimits`).
    @discardableResult
    public mutating func writeFrame<Bytes: Collection>(_ body: Bytes) -> Int where Bytes.Element == UInt8 {
        precondition(body.count <= UInt32.max, "a frame body must fit a u32 length")
        let prefix = writeInteger(UInt32(body.count))
        return prefix + writeBytes(body)
    }
}
