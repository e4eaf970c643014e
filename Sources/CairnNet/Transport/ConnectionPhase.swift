import CairnWire

/// Whether a connection's handshake has completed, as the frame decoder needs to know to pick its length limit,
/// and the session's receiving half, with which the decoder opens each frame where it lies.
///
/// Shared by the connection's `LengthPrefixedFrameDecoder`, which reads it before every frame, and its
/// `SecureChannelHandler`, which sets it once the remote has proved who it is. A reference because NIO's
/// `ByteToMessageHandler` keeps its decoder out of reach of other handlers. Not `Sendable`: both holders are
/// handlers of one channel and run on its event loop only.
final class ConnectionPhase {
    private(set) var isAuthenticated = false
    /// The session's copy that opens incoming frames; the handler's own copy seals outgoing ones. Each copy
    /// uses one direction only, so the two never touch the same cipher or counter.
    var opening: SecureSession?

    init() {}

    /// The handshake completed; session frames up to the hard maximum are allowed from now on, each opened with
    /// `session` (nil: passed on sealed, for tests of the limits alone). Never undone.
    func handshakeCompleted(opening session: SecureSession? = nil) {
        isAuthenticated = true
        opening = session
    }
}
