/// Why a sealed frame could not be made or opened. Any of these ends the connection.
public enum SessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A plaintext (to seal) or a frame's content (to open) over `FrameLimits.maxFrameLength`.
    case frameTooLarge(Int)
    /// A frame body shorter than the 16-byte tag.
    case frameTooShort(Int)
    /// The tag did not match: the frame was altered, replayed, reordered, or sealed with another key.
    case authenticationFailed
    /// 2^64 - 1 frames went one way; the nonce would repeat. Reconnect for fresh keys.
    case counterExhausted
    /// OpenSSL itself failed (out of memory, say); nothing the peer sent.
    case cipherFailed(String)

    public var description: String {
        switch self {
        case .frameTooLarge(let length):
            "a frame of \(length) bytes is over the limit of \(FrameLimits.maxFrameLength) bytes"
        case .frameTooShort(let length):
            "a sealed frame of \(length) bytes is shorter than its \(FrameLimits.sealOverhead)-byte tag"
        case .authenticationFailed:
            "a frame failed authentication: it was altered, replayed, reordered or sealed with another key"
        case .counterExhausted:
            "the connection sealed as many frames as its nonce allows; reconnect to get fresh keys"
        case .cipherFailed(let reason):
            "the AES-GCM cipher failed: \(reason)"
        }
    }
}
