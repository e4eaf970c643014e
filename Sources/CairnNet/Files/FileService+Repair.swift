import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// `cairn repair ID` / `POST /api/v0/files/{id}/repair` (issue 7, item 6).
public struct RepairReport: Codable, Sendable {
    public var id: String
    /// Shards rebuilt and placed anew.
    public var rebuilt: Int
    /// Segments that had at least one shard rebuilt.
    public var segments: Int
    /// Segments with fewer than k healthy shards, which could not be rebuilt.
    public var unrecoverable: [Int]
    /// Providers that took rebuilt shards.
    public var newHolders: [String]
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case id, rebuilt, segments, unrecoverable, seconds
        case newHolders = "new_holders"
    }
}

extension FileService {
    /// Rebuilds every missing or failed shard of `fileID` from k healthy ones (Reed–Solomon over the ciphertext:
    /// no key, no owner needed), places each on a live provider with room that holds nothing else of its
    /// segment, has the new holders adopt them (they check the owner-signed descriptor names those shards) and
    /// publishes their placement records. The file ID and every capability stay as they were.
    ///
    /// The machine decides and asks (`RepairOperation`: providers, sources, placement, adoption, publication);
    /// this verifies the sources it hands over and rebuilds the missing shards, the heavy work.
    public func repair(_ fileID: Key256) async throws -> RepairReport {
        let clock = ContinuousClock()
        let started = clock.now
        let layout = try await layout(of: fileID)
        let (states, holders) = try await positionStates(layout, verify: true)
        let order = RepairOrder(layout: layout, holders: holders, states: states)
        var (repair, result) = try await peer.submit { _ in .startRepair(order) }
        do {
            while case .repairSources(let sources) = result {
                result = try await rebuild(sources, of: layout, repair: repair)
            }
        } catch {
            _ = try? await peer.perform(.endRepair(repair: repair))
            throw error
        }
        guard case .repairFinished(let summary) = result else { throw Self.error(from: result, "a repair") }
        if summary.rebuilt > 0 {
            logger.notice("repaired a file", metadata: [
                "cairn.file": "\(fileID.hex)", "cairn.shards.rebuilt": "\(summary.rebuilt)",
                "cairn.holders.new": "\(summary.newHolders.count)",
            ])
        }
        return RepairReport(
            id: fileID.hex, rebuilt: summary.rebuilt, segments: summary.segments, unrecoverable: [],
            newHolders: summary.newHolders.map(\.hex).sorted(), seconds: (clock.now - started).secondsDouble)
    }

    /// Verifies the k sources of one segment against their IDs (the bad ones go back to the machine, which
    /// fetches others) and rebuilds the segment's missing shards from them; returns the machine's next answer.
    private func rebuild(_ sources: RepairSources, of layout: PlacedFile, repair: CommandID) async throws
        -> PeerCommandResult
    {
        let segment = layout.segments[sources.segment]
        var valid: [(index: Int, bytes: [UInt8])] = []
        var bad: [Int] = []
        for (slot, buffer) in zip(sources.slots, sources.shards) {
            let bytes = Array(buffer.readableBytesView)
            if bytes.count == segment.shardLength, ShardCommitment.id(of: bytes) == segment.shardIDs[slot] {
                valid.append((slot, bytes))
            } else {
                bad.append(slot)
            }
        }
        guard bad.isEmpty else { return try await peer.perform(.repairSourcesRejected(repair: repair, slots: bad)) }
        let coder = try ErasureCoder(k: layout.parameters.k, n: layout.parameters.n)
        let shards = try coder.rebuild(valid, targets: sources.targets)
        var rebuilt: [Int: ByteBuffer] = [:]
        for slot in sources.targets {
            guard let bytes = shards[slot], ShardCommitment.id(of: bytes) == segment.shardIDs[slot] else {
                throw FileError.unexpectedResponse("shard \(slot) of segment \(sources.segment) rebuilt wrong")
            }
            rebuilt[slot] = ByteBuffer(bytes: bytes)
        }
        return try await peer.perform(.repairRebuilt(repair: repair, shards: rebuilt))
    }
}
