/// Whether a connection's handshake has completed, as the frame decoder needs to know to pick its length limit.
///
/// Shared by the connection's `LengthPrefixedFrameDecoder`, which reads it before every frame, and its
/// `SecureChannelHandler`, which sets it once the remote has proved who it is. A reference because NIO's
/// `ByteToMessageHandler` keeps its decoder out of reach of other handlers. Not `Sendable`: both holders are
/// handlers of one channel and run on its event loop only.
final class ConnectionPhase {
    private(set) var isAuthenticated = false

    init() {}

    /// The handshake completed; session frames up to the hard maximum are allowed from now on. Never undone.
    func handshakeCompleted() {
        isAuthenticated = true
    }
}
