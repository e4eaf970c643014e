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
    public func repair(_ fileID: Key256) async throws -> RepairReport {
        let clock = ContinuousClock()
        let started = clock.now
        let layout = try await layout(of: fileID)
        let descriptor = layout.descriptor
        let (states, holders) = try await positionStates(layout, verify: true)
        let plan = RepairPlan(states: states, k: descriptor.parameters.k)
        guard plan.unrecoverable.isEmpty else {
            throw FileError.unavailable(segment: plan.unrecoverable[0], reason: "fewer than \(descriptor.parameters.k) "
                + "healthy shards are left in \(plan.unrecoverable.count) segment(s); they cannot be rebuilt")
        }
        guard !plan.work.isEmpty else {
            return RepairReport(id: fileID.hex, rebuilt: 0, segments: 0, unrecoverable: [], newHolders: [],
                                seconds: (clock.now - started).secondsDouble)
        }
        // Candidates: providers near the file with room for a shard, minus every holder found wanting.
        let unreliable = Set(states.indices.flatMap { s in
            states[s].indices.filter { states[s][$0] != .healthy }.map { layout.segments[s].holders[$0] }
        })
        let survey = try await survey(near: descriptor.fileNonce,
                                      minimumFree: UInt64(descriptor.parameters.maxShardLength))
        let candidates = survey.ring.filter { !unreliable.contains($0.id) }
        let infos = Dictionary(survey.ring.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let coder = try ErasureCoder(k: descriptor.parameters.k, n: descriptor.parameters.n)

        var taken: [PeerID: [(segment: UInt32, slot: UInt8)]] = [:]
        var rebuilt = 0
        for work in plan.work {
            let segment = layout.segments[work.segment]
            let sources = try await fetchSources(layout, work: work, states: states[work.segment], holders: holders)
            let shards = try coder.rebuild(sources, targets: work.targets)
            let keep = Set(segment.holders.indices.filter { states[work.segment][$0] == .healthy }
                .map { segment.holders[$0] })
            var excluded = keep
            for slot in work.targets {
                guard let bytes = shards[slot], ShardCommitment.id(of: bytes) == segment.shardIDs[slot] else {
                    throw FileError.unexpectedResponse("shard \(slot) of segment \(work.segment) rebuilt wrong")
                }
                let choices = RepairPlan.targets(count: candidates.count, segment: work.segment + slot,
                                                 candidates: candidates.map(\.id), excluding: excluded)
                guard let target = try await place(bytes, id: segment.shardIDs[slot], of: descriptor,
                                                   on: choices.compactMap { infos[$0] })
                else {
                    throw FileError.placementFailed(segment: work.segment, reason: "no provider with room that holds "
                        + "nothing of the segment took rebuilt shard \(slot)")
                }
                excluded.insert(target)
                taken[target, default: []].append((UInt32(work.segment), UInt8(slot)))
                rebuilt += 1
            }
        }
        let records = try await adopt(taken, descriptor: descriptor, infos: infos)
        try await publishPlacement(fileID: fileID, descriptor: descriptor, records: layout.placement.records + records)
        logger.notice("repaired a file", metadata: [
            "cairn.file": "\(fileID.hex)", "cairn.shards.rebuilt": "\(rebuilt)",
            "cairn.holders.new": "\(taken.count)",
        ])
        return RepairReport(
            id: fileID.hex, rebuilt: rebuilt, segments: plan.work.count, unrecoverable: [],
            newHolders: taken.keys.map(\.hex).sorted(), seconds: (clock.now - started).secondsDouble)
    }

    /// k verified shards of one segment: the plan's sources first, other healthy ones if some fail.
    private func fetchSources(
        _ layout: PlacedFile, work: RepairPlan.SegmentWork, states: [PositionState], holders: [PeerID: PeerInfo]
    ) async throws -> [(index: Int, bytes: [UInt8])] {
        let segment = layout.segments[work.segment]
        let order = work.sources + states.indices.filter { states[$0] == .healthy && !work.sources.contains($0) }
        var fetched: [(index: Int, bytes: [UInt8])] = []
        for slot in order where fetched.count < layout.parameters.k {
            guard let info = holders[segment.holders[slot]],
                  case .shard(let buffer)? = try? await peer.storageRequest(
                    .getShard(id: segment.shardIDs[slot]), to: info, timeout: .seconds(30))
            else { continue }
            let bytes = Array(buffer.readableBytesView)
            guard bytes.count == segment.shardLength, ShardCommitment.id(of: bytes) == segment.shardIDs[slot] else {
                continue
            }
            fetched.append((slot, bytes))
        }
        guard fetched.count >= layout.parameters.k else {
            throw FileError.unavailable(segment: work.segment, reason: "only \(fetched.count) of the "
                + "\(layout.parameters.k) shards needed to rebuild it could be fetched")
        }
        return fetched
    }

    /// Uploads a rebuilt shard to the first of `choices` that takes it, under the file's nonce and owner (the
    /// reference the owner's delete order will release); returns who took it.
    private func place(_ bytes: [UInt8], id: ShardID, of descriptor: Descriptor, on choices: [PeerInfo]) async throws
        -> PeerID?
    {
        for target in choices {
            let request = StorageRequest.putShard(id: id, file: descriptor.fileNonce, owner: descriptor.owner,
                                                  bytes: ByteBuffer(bytes: bytes))
            if (try? await peer.storageRequest(request, to: target)) == .stored { return target.id }
            capacities.forget(target.id)
        }
        return nil
    }

    /// Asks each new holder to adopt its rebuilt shards; returns their signed placement records.
    private func adopt(_ taken: [PeerID: [(segment: UInt32, slot: UInt8)]], descriptor: Descriptor,
                       infos: [PeerID: PeerInfo]) async throws -> [PlacementRecord] {
        let encoded = ByteBuffer(bytes: descriptor.encoded())
        var records: [PlacementRecord] = []
        for (holder, positions) in taken.sorted(by: { $0.key < $1.key }) {
            guard let info = infos[holder] else { continue }
            let answer = try await peer.storageRequest(
                .adopt(descriptor: encoded, entries: PlacementRecord.entries(for: positions)), to: info)
            guard case .confirmed(_, let record?) = answer else {
                throw FileError.unexpectedResponse("the adoption of rebuilt shards by \(holder.shortHex)")
            }
            records.append(record)
        }
        return records
    }

    /// Stores the descriptor (anyone may: it is owner-signed) and the placement records at the peers closest to
    /// the file ID now, which may not be the keepers of the put.
    func publishPlacement(fileID: Key256, descriptor: Descriptor, records: [PlacementRecord]) async throws {
        let replicas = Self.blobReplicas(for: descriptor.parameters)
        _ = try await storeBlob(kind: .descriptor, key: fileID, bytes: descriptor.encoded(), replicas: replicas)
        _ = try await storeBlob(kind: .placement, key: fileID, bytes: PlacementRecord.encodeList(records),
                                replicas: replicas)
    }
}
