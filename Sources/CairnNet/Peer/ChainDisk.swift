import CairnPeer
import NIOPosix

/// Where `cairn run` keeps the chain (`ChainStore`, SQLite) and the one thread its writes run on: one, so that
/// blocks and signed messages reach the disk in the order the machine asked for them, and no fsync blocks
/// the event loop. It decides nothing; every rule of the chain is `ChainMachine`'s.
public struct ChainDisk: Sendable {
    public let store: ChainStore
    let pool: NIOThreadPool

    /// Opens the store at `path` with its own thread (started here; `shutdown()` stops it).
    public init(path: String) throws {
        store = try ChainStore(path: path)
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
