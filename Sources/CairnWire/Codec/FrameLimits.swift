/// Hard limits on what a peer may send, checked before anything is buffered or allocated.
///
/// Every frame on a connection is a 4-byte big-endian length `L` followed by `L` bytes. During the handshake
/// the `L` bytes are one handshake message in the clear; afterwards they are an AES-256-GCM ciphertext and its
/// 16-byte tag (`SecureSession`).
public enum FrameLimits {
    /// Bytes in the length prefix: a big-endian u32 counting the bytes that follow it.
    public static let lengthPrefixByteCount = 4
    /// Largest plaintext frame payload after the handshake: a 4 MiB shard plus room for its envelope.
    public static let maxFrameLength = 4 * 1024 * 1024 + 64 * 1024
    /// Largest frame body before the handshake completes: the longest handshake message (m2 with a 255-byte
    /// advertised host, 421 bytes). Nothing an unauthenticated peer sends may be longer, so a connection that has
    /// not proved who it is holds at most this plus the 4-byte prefix.
    public static let maxHandshakeMessageLength = HandshakeMessages.maxMessageByteCount
    /// Bytes sealing adds to a payload (the GCM tag).
    public static let sealOverhead = 16
    /// Largest frame body after the handshake, as it travels: `maxFrameLength` plus the tag.
    public static let maxSealedFrameLength = maxFrameLength + sealOverhead
}
