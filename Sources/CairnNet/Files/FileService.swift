import CairnPeer
import CairnStorage
import CairnWire
import Logging
import NIOCore

/// Files on the network, from this peer: put, get, list, delete and share (DESIGN.md §5).
///
/// Placement and retrieval orchestration lives here; the pure pieces — segmenting, encryption, erasure
/// coding, manifests — are CairnStorage's, and the provider side is `ProviderService`.
public final class FileService: Sendable {
    public let peer: NetworkPeer
    public let provider: ProviderService
    public let index: FileIndex
    let logger: Logger
    let capacities = CapacityCache()

    /// Peers that keep a file's manifest and grants: n−k+1, so that they survive exactly the failures the
    /// shards survive (any n−k peers lost), and never fewer than 3.
    static func blobReplicas(for parameters: CodingParameters) -> Int {
        max(3, parameters.n - parameters.k + 1)
    }
    /// Segments whose shards are in flight at once during put, and being fetched at once during get.
    let segmentWindow = 4

    public init(peer: NetworkPeer, provider: ProviderService, index: FileIndex, logger: Logger) {
        self.peer = peer
        self.provider = provider
        self.index = index
        self.logger = logger
    }

    var identity: Identity { peer.identity }

    // MARK: - Providers

    /// Peers near `key` (from the routing table, this peer included) with at least `minimumFree` bytes free,
    /// nearest first. Capacity answers are cached for a few seconds so that small puts do not each ask everyone.
    func providers(near key: Key256, minimumFree: UInt64) async throws -> [PeerInfo] {
        let candidates = try await peer.closestKnown(to: key, count: peer.configuration.dht.k)
        let free = await withTaskGroup(of: (Int, UInt64?).self) { group in
            for (position, candidate) in candidates.enumerated() {
                if let cached = capacities.free(of: candidate.id) {
                    group.addTask { (position, cached) }
                    continue
                }
                group.addTask {
                    guard case .capacity(let total, let used)? = try? await self.peer.storageRequest(
                        .capacity, to: candidate, timeout: .seconds(5))
                    else { return (position, nil) }
                    let free = total > used ? total - used : 0
                    self.capacities.remember(free, of: candidate.id)
                    return (position, free)
                }
            }
            var free = [UInt64?](repeating: nil, count: candidates.count)
            for await (position, bytes) in group { free[position] = bytes }
            return free
        }
        return candidates.indices.filter { (free[$0] ?? 0) >= minimumFree }.map { candidates[$0] }
    }

    // MARK: - Blobs (manifests, grants)

    /// Stores a blob at the peers closest to `key` (`keepers` when a lookup already found them); returns how
    /// many took it.
    func storeBlob(kind: BlobKind, key: Key256, bytes: [UInt8], replicas: Int, keepers known: [PeerInfo]? = nil,
                   provider record: ProviderRecord? = nil) async throws -> Int {
        var keepers = known ?? []
        if known == nil {
            let lookup = try await peer.query(.closestPeers(key))
            guard case .closestPeers(_, let found) = lookup.outcome else { throw FileError.unexpectedResponse("lookup") }
            keepers = found
        }
        let chosen = Array(keepers.prefix(replicas))
        let payload = ByteBuffer(bytes: bytes)
        let stored = await withTaskGroup(of: Bool.self) { group in
            for keeper in chosen {
                group.addTask {
                    do {
                        let request = StorageRequest.putBlob(kind: kind, key: key, provider: record, bytes: payload)
                        return try await self.peer.storageRequest(request, to: keeper) == .stored
                    } catch {
                        self.logger.debug("keeper refused blob", metadata: ["cairn.remote": "\(keeper)", "cairn.error": "\(error)"])
                        return false
                    }
                }
            }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        // Every keeper that was asked must hold it, or fewer than planned survive failures.
        guard stored > 0, stored >= chosen.count - 1 else {
            throw FileError.recordNotStored("the \(kind == .manifest ? "manifest" : "access grant") (\(stored) of \(chosen.count) keepers)")
        }
        return stored
    }

    /// The first copy of a blob that `accept` takes, from the peers closest to `key`.
    func fetchBlob<T>(kind: BlobKind, key: Key256, accept: @escaping @Sendable ([UInt8]) -> T?) async throws -> T? {
        let lookup = try await peer.query(.closestPeers(key))
        guard case .closestPeers(_, let keepers) = lookup.outcome else { throw FileError.unexpectedResponse("lookup") }
        for keeper in keepers {
            guard case .blob(let bytes?)? = try? await peer.storageRequest(.getBlob(kind: kind, key: key), to: keeper,
                                                                            timeout: .seconds(10))
            else { continue }
            if let value = accept(Array(bytes.readableBytesView)) { return value }
            logger.warning("keeper served a blob that does not check out", metadata: ["cairn.remote": "\(keeper)"])
        }
        return nil
    }

    /// The manifest of `fileID`: from this peer's own index, else from the network; checked against the ID and
    /// the owner's signature.
    public func manifest(of fileID: Key256) async throws -> Manifest {
        if let local = try? index.file(fileID), let bytes = local.manifest,
           let manifest = try? Manifest(decoding: bytes), manifest.fileID == fileID {
            return manifest
        }
        let found: Manifest? = try await fetchBlob(kind: .manifest, key: fileID) { bytes in
            guard SHA256.hash(bytes) == fileID, let manifest = try? Manifest(decoding: bytes),
                  manifest.verifySignature() else { return nil }
            return manifest
        }
        guard let found else { throw FileError.manifestNotFound(fileID) }
        return found
    }
}
