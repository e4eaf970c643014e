import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import Foundation
import Logging
import NIOCore

/// Files on the network, from this peer: put, get, list, delete and share (DESIGN.md §5).
///
/// The driver's side of files: it reads and encodes bodies, decodes and streams segments, and keeps this
/// peer's own index. Every choice of which peer to ask, when to retry, hedge or give up is the peer machine's
/// (`PutOperation`, `GetOperation`, `LocateOperation`, … in CairnPeer, with the planners of CairnStorage),
/// reached through `NetworkPeer.perform`. Not moved yet: `repair` (its survey of providers, shard fetches and
/// the placement of rebuilt shards). The provider side is `ProviderService`.
public final class FileService: Sendable {
    public let peer: NetworkPeer
    public let provider: ProviderService
    public let index: FileIndex
    let logger: Logger
    let capacities = CapacityCache()
    let failures = DownloadFailures()

    /// Peers that keep a file's descriptor, placement and grants: n−k+1, so that they survive exactly the failures the
    /// shards survive (any n−k peers lost), and never fewer than 3.
    static func blobReplicas(for parameters: CodingParameters) -> Int {
        max(3, parameters.n - parameters.k + 1)
    }
    /// Segments being fetched at once during get.
    let segmentWindow = 4

    /// `items` in consecutive batches of at most `size`; one empty batch for no items.
    static func batches<T>(_ items: [T], of size: Int) -> [[T]] {
        guard !items.isEmpty else { return [[]] }
        return stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min(items.count, $0 + size)]) }
    }

    public init(peer: NetworkPeer, provider: ProviderService, index: FileIndex, logger: Logger) {
        self.peer = peer
        self.provider = provider
        self.index = index
        self.logger = logger
    }

    var identity: Identity { peer.identity }

    // MARK: - Failed downloads

    /// Logs and keeps why a download of `fileID` stopped at `segment`, after it had answered.
    func recordFailure(of fileID: Key256, segment: Int, count: Int, offset: UInt64, size: UInt64, error: Error) {
        logger.error("download stopped: a segment could not be fetched", metadata: [
            "cairn.file": "\(fileID.hex)", "cairn.segment": "\(segment)", "cairn.offset": "\(offset)",
            "cairn.error": "\(error)",
        ])
        let formatter = ISO8601DateFormatter()
        failures.record(DownloadFailure(
            id: fileID.hex, segment: segment, segments: count, offset: offset, size: size, error: "\(error)",
            at: formatter.string(from: WallClock.now().date)), of: fileID)
    }

    /// The last download of `fileID` on this peer that stopped after answering, if any.
    public func lastFailure(of fileID: Key256) -> DownloadFailure? { failures.last(of: fileID) }

    // MARK: - Providers

    /// What asking the peers near a key for their room found.
    struct ProviderSurvey {
        /// Those with room for at least the minimum asked, nearest first.
        var ring: [PeerInfo]
        /// Their clocks against this one's.
        var clocks: ClockSkew
    }

    /// Peers near `key` (from the routing table, this peer included) with at least `minimumFree` bytes free,
    /// nearest first, and how their clocks compare with this one. Answers are cached for a few seconds so that
    /// small puts do not each ask everyone.
    func survey(near key: Key256, minimumFree: UInt64) async throws -> ProviderSurvey {
        let candidates = try await peer.closestKnown(to: key, count: peer.configuration.dht.k)
        let me = peer.peerID
        let answers = await withTaskGroup(of: (Int, CapacityCache.Entry?).self) { group in
            for (position, candidate) in candidates.enumerated() {
                if let cached = capacities.entry(of: candidate.id) {
                    group.addTask { (position, cached) }
                    continue
                }
                group.addTask {
                    let sent = WallClock.now()
                    guard case .capacity(_, _, let free, let remote)? = try? await self.peer.storageRequest(
                        .capacity, to: candidate, timeout: .seconds(5))
                    else { return (position, nil) }
                    var entry = CapacityCache.Entry(free: free, clockOffset: nil)
                    if let remote, candidate.id != me {
                        var sample = ClockSkew()
                        sample.add(sent: sent, received: WallClock.now(), remote: remote)
                        entry.clockOffset = sample.offsets.first
                    }
                    self.capacities.remember(entry, of: candidate.id)
                    return (position, entry)
                }
            }
            var answers = [CapacityCache.Entry?](repeating: nil, count: candidates.count)
            for await (position, entry) in group { answers[position] = entry }
            return answers
        }
        var clocks = ClockSkew()
        for case let offset? in answers.map({ $0?.clockOffset }) { clocks.add(offset: offset) }
        let ring = candidates.indices.filter { (answers[$0]?.free ?? 0) >= minimumFree }.map { candidates[$0] }
        return ProviderSurvey(ring: ring, clocks: clocks)
    }

    // MARK: - Blobs (descriptors, placement records, grants)

    /// Stores a blob at the `replicas` peers closest to `key`; returns how many took it. The machine looks the
    /// keepers up and asks them (`BlobStoreOperation`); too few takers fail with `FileError.recordNotStored`.
    func storeBlob(kind: BlobKind, key: Key256, bytes: [UInt8], replicas: Int) async throws -> Int {
        let order = BlobOrder(kind: kind, key: key, bytes: bytes, replicas: replicas)
        let result = try await peer.perform(.storeBlob(order))
        guard case .blobStored(let count) = result else { throw Self.error(from: result, "a blob upload") }
        return count
    }

    /// The descriptor of `fileID`: from this peer's own index, else from the peers closest to the ID; checked
    /// against the ID and the owner's signature.
    public func descriptor(of fileID: Key256) async throws -> Descriptor {
        if let local = localDescriptor(of: fileID) { return local }
        return try await layout(of: fileID).descriptor
    }

    /// The file as a reader sees it: descriptor and placement, found by the machine (`LocateOperation`).
    public func layout(of fileID: Key256) async throws -> PlacedFile {
        let order = LocateOrder(fileID: fileID, descriptor: localDescriptor(of: fileID), grantKey: nil)
        let result = try await peer.perform(.locateFile(order))
        guard case .fileLocated(let location) = result else { throw Self.error(from: result, "a lookup of a file") }
        return PlacedFile(fileID: fileID, descriptor: location.descriptor, placement: location.placement)
    }
}
