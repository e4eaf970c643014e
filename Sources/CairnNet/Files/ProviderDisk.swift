import CairnPeer
import CairnStorage
import NIOPosix

/// Where `cairn run` keeps what it stores for others: the shard store (files and SQLite), the blob store
/// (SQLite), and the thread pool on which `NetworkPeer` carries the provider machine's store operations out,
/// so that no fsync blocks the event loop. It decides nothing: every rule of the provider side is
/// `ProviderMachine`'s (in `CairnPeer`), which the simulator runs too.
public struct ProviderDisk: Sendable {
    public let shards: ShardStore
    public let blobs: BlobStore
    let pool: NIOThreadPool

    public init(shards: ShardStore, blobs: BlobStore, pool: NIOThreadPool) {
        self.shards = shards
        self.blobs = blobs
        self.pool = pool
    }

    var stores: ProviderStores { ProviderStores(shards: shards, blobs: blobs) }
}
