import CairnNet
import CairnPeer
import CairnStorage
import CairnWire
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

/// Storage requests through the network driver: the machine decides, the disk pool stores, over real loopback
/// sockets and a real shard store; a peer's own requests take the same path.
@Suite struct NetworkPeerStorageTests {
    struct Peer {
        let peer: NetworkPeer
        let info: PeerInfo
        let pool: NIOThreadPool
    }

    static func start(in root: String, name: String, group: EventLoopGroup) async throws -> Peer {
        let network = NetworkParameters.embedded
        let shards = try ShardStore(root: root + "/" + name, capacity: 1 << 30)
        let blobs = try BlobStore(path: root + "/" + name + "-blobs.sqlite")
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let peer = NetworkPeer(
            identity: Identity.generate(puzzleBits: network.puzzleBits),
            configuration: .init(listen: PeerAddress(host: "127.0.0.1", port: 0), bootstrap: [], parameters: network),
            contacts: nil, disk: ProviderDisk(shards: shards, blobs: blobs, pool: pool), eventLoop: group.next(),
            logger: logger)
        let address = try await peer.start()
        return Peer(peer: peer, info: PeerInfo(id: peer.peerID, address: address), pool: pool)
    }

    @Test func aShardIsStoredAndServedByAnotherPeerAndOwnRequestsTakeTheSamePath() async throws {
        let root = NSTemporaryDirectory() + "cairn-netpeer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try await Self.start(in: root, name: "a", group: group)
        let provider = try await Self.start(in: root, name: "b", group: group)

        let bytes = [UInt8](repeating: 9, count: 200_000)
        let id = ShardCommitment.id(of: bytes)
        let owner = Identity.generate()
        let put = StorageRequest.putShard(id: id, file: Random.key256(), owner: owner.publicKey,
                                          bytes: ByteBuffer(bytes: bytes))
        #expect(try await client.peer.storageRequest(put, to: provider.info) == .stored)
        #expect(try await client.peer.storageRequest(.getShard(id: id), to: provider.info)
            == .shard(ByteBuffer(bytes: bytes)))
        guard case .capacity(_, let used, _, let now?) = try await client.peer.storageRequest(.capacity,
                                                                                              to: provider.info)
        else {
            Issue.record("no capacity with a clock")
            return
        }
        #expect(used == 200_000 && now > .seconds(1_700_000_000))

        // Bytes that are not the shard are refused by the store, whichever peer asks.
        let forged = StorageRequest.putShard(id: Random.key256(), file: Random.key256(), owner: owner.publicKey,
                                             bytes: ByteBuffer(bytes: [1, 2, 3]))
        await #expect(throws: RemoteError.self) { try await client.peer.storageRequest(forged, to: provider.info) }
        await #expect(throws: RemoteError.self) { try await provider.peer.serveLocally(forged) }
        #expect(try await provider.peer.serveLocally(.holds(ids: [id, Random.key256()])) == .holding([true, false]))

        for peer in [client, provider] {
            await peer.peer.stop()
            try await peer.pool.shutdownGracefully()
        }
        try await group.shutdownGracefully()
    }
}
