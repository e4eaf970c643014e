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
/// (`PutOperation`, `GetOperation`, `LocateOperation`, `RepairOperation`, … in CairnPeer, with the planners
/// of CairnStorage), reached through `NetworkPeer.perform`. The provider side is the machine's too (`ProviderMachine`).
public final class FileService: Sendable {
    public let peer: NetworkPeer
    /// The stores this peer keeps for others (the API's status reads them).
    public let provider: ProviderDisk
    public let index: FileIndex
    let logger: Logger
    let failures = DownloadFailures()

    /// Peers that keep a file's descriptor, placement and grants: n−k+1, so that they survive exactly the failures the
    /// shards survive (any n−k peers lost), and never fewer than 3.
    static func blobReplicas(for parameters: CodingParameters) -> Int {
        max(3, parameters.n - parameters.k + 1)
    }

    public init(peer: NetworkPeer, provider: ProviderDisk, index: FileIndex, logger: Logger) {
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
