/// What the driver does after the state machine took in a message. Bytes to send are one handshake message: the
/// driver writes them as one frame (`ByteBuffer.writeFrame`, a 4-byte big-endian length first).
public enum HandshakeAction: Sendable {
    /// Send this message and wait for the next one.
    case send([UInt8])
    /// Send this last message; the handshake is done, and frames after it are sealed with the result's session.
    case sendAndComplete([UInt8], HandshakeResult)
    /// The handshake is done; nothing more to send.
    case complete(HandshakeResult)
}
