import Logging
import ServiceLifecycle

/// Keeps a started `NetworkPeer` alive under ServiceLifecycle and stops it cleanly (contacts saved,
/// connections closed) on graceful shutdown — SIGINT or SIGTERM.
public struct PeerService: Service {
    let peer: NetworkPeer

    public init(peer: NetworkPeer) { self.peer = peer }

    public func run() async throws {
        try? await gracefulShutdown()
        await peer.stop()
    }
}
