import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import Foundation
import Logging
import NIOCore

/// Files on the network, from this peer: put, get, list, delete and share (DESIGN.md §5).
///
/// Placement and retrieval orchestration lives here; the pure pieces — segmenting, encryption, erasure
/// coding, descriptors, placement, repair plans — are CairnStorage's, and the provider side is `ProviderService`.
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
        let (stored, refusals) = await withTaskGroup(of: String?.self) { group in
            for keeper in chosen {
                group.addTask {
                    do {
                        let request = StorageRequest.putBlob(kind: kind, key: key, provider: record, bytes: payload)
                        guard try await self.peer.storageRequest(request, to: keeper) == .stored else {
                            return "\(keeper.id.shortHex): an unexpected answer"
                        }
                        return nil
                    } catch {
                        self.logger.debug("keeper refused blob", metadata: ["cairn.remote": "\(keeper)", "cairn.error": "\(error)"])
                        return "\(keeper.id.shortHex): \(error)"
                    }
                }
            }
            var count = 0
            var refusals: [String] = []
            for await refusal in group {
                if let refusal { refusals.append(refusal) } else { count += 1 }
            }
            return (count, refusals)
        }
        // Every keeper that was asked must hold it, or fewer than planned survive failures.
        guard stored > 0, stored >= chosen.count - 1 else {
            // The keepers' reasons, one of each: a clock far off says so there (RecordRejection).
            var seen = Set<String>()
            let reasons = refusals.filter { seen.insert(String($0.drop { $0 != ":" })).inserted }.prefix(2)
            let what: String = switch kind {
            case .descriptor: "descriptor"
            case .placement: "placement records"
            case .grant: "access grant"
            }
            throw FileError.recordNotStored("the \(what) (\(stored) of "
                + "\(chosen.count) keepers)"
                + (reasons.isEmpty ? "" : "; refused by " + reasons.joined(separator: "; ")))
        }
        return stored
    }

    /// The first copy of a blob that `accept` takes, from the peers closest to `key`.
    /// `keepers` when a lookup of `key` already found them.
    func fetchBlob<T>(kind: BlobKind, key: Key256, keepers known: [PeerInfo]? = nil,
                      accept: @escaping @Sendable ([UInt8]) -> T?) async throws -> T? {
        let keepers: [PeerInfo]
        if let known { keepers = known } else { keepers = try await self.keepers(of: key) }
        for keeper in keepers {
            guard case .blob(let bytes?)? = try? await peer.storageRequest(.getBlob(kind: kind, key: key), to: keeper,
                                                                            timeout: .seconds(10))
            else { continue }
            if let value = accept(Array(bytes.readableBytesView)) { return value }
            logger.warning("keeper served a blob that does not check out", metadata: ["cairn.remote": "\(keeper)"])
        }
        return nil
    }

    /// The peers closest to `key` (one iterative lookup), where its blobs are kept.
    func keepers(of key: Key256) async throws -> [PeerInfo] {
        let lookup = try await peer.query(.closestPeers(key))
        guard case .closestPeers(_, let keepers) = lookup.outcome else { throw FileError.unexpectedResponse("lookup") }
        return keepers
    }

    /// The descriptor of `fileID`: from this peer's own index, else from the peers closest to the ID (`keepers`
    /// when already looked up); checked against the ID and the owner's signature.
    public func descriptor(of fileID: Key256, keepers: [PeerInfo]? = nil) async throws -> Descriptor {
        if let local = try? index.file(fileID), let bytes = local.descriptor,
           let descriptor = try? Descriptor(decoding: bytes), descriptor.fileID == fileID {
            return descriptor
        }
        let found: Descriptor? = try await fetchBlob(kind: .descriptor, key: fileID, keepers: keepers) { bytes in
            guard SHA256.hash(bytes) == fileID, let descriptor = try? Descriptor(decoding: bytes),
                  descriptor.verifySignature() else { return nil }
            return descriptor
        }
        guard let found else { throw FileError.descriptorNotFound(fileID) }
        return found
    }

    /// Where the shards of `fileID` are now: every keeper's placement records, merged (newest per position).
    func placement(of fileID: Key256, descriptor: Descriptor, keepers known: [PeerInfo]? = nil) async throws
        -> FilePlacement
    {
        var candidates: [PeerInfo]
        if let known { candidates = known } else { candidates = try await keepers(of: fileID) }
        if let own = peer.listenAddress, !candidates.contains(where: { $0.id == peer.peerID }) {
            candidates.append(PeerInfo(id: peer.peerID, address: own))
        }
        let records = await withTaskGroup(of: [PlacementRecord].self) { group in
            for keeper in candidates.prefix(Self.blobReplicas(for: descriptor.parameters) + 2) {
                group.addTask {
                    guard case .blob(let bytes?)? = try? await self.peer.storageRequest(
                        .getBlob(kind: .placement, key: fileID), to: keeper, timeout: .seconds(10))
                    else { return [] }
                    return (try? PlacementRecord.decodeList(Array(bytes.readableBytesView))) ?? []
                }
            }
            var all: [PlacementRecord] = []
            for await found in group { all += found }
            return all
        }
        return FilePlacement(descriptor: descriptor, fileID: fileID, records: records, now: WallClock.now())
    }

    /// The file as a reader sees it: descriptor and placement.
    public func layout(of fileID: Key256) async throws -> PlacedFile {
        let keepers = try await keepers(of: fileID)
        let descriptor = try await descriptor(of: fileID, keepers: keepers)
        let placement = try await placement(of: fileID, descriptor: descriptor, keepers: keepers)
        return PlacedFile(fileID: fileID, descriptor: descriptor, placement: placement)
    }
}
