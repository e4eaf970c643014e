import CairnCrypto
import CairnWire

/// Who holds each shard of a file now, resolved from the holders' signed `PlacementRecord`s: for each position
/// (segment, slot), the newest valid record that names it. Records for another file, expired or forged ones,
/// and positions outside the descriptor are ignored.
public struct FilePlacement: Sendable, Hashable {
    /// `holders[s][i]`: the holder of shard i of segment s, nil when no record names it.
    public private(set) var holders: [[PeerID?]]
    /// Where to reach each holder, from its record.
    public private(set) var addresses: [PeerID: PeerInfo]
    /// The records that won at least one position, for passing on (to keepers, to a repairer).
    public private(set) var records: [PlacementRecord]

    /// Which records' signatures are checked.
    public enum SignatureCheck: Sendable {
        /// Every record's: what a check, a repair or a keeper passes on must all be signed.
        case every
        /// Only the records that name a position another record names too, where a forged newer record could
        /// take a position from its true holder. A reader may skip the others: every shard is checked against
        /// its ID in the owner-signed descriptor, so a forged record that is alone at its position can only
        /// send the reader to a peer that cannot serve the shard, and without it the position would have no
        /// holder at all. A get of a small file checked 8 signatures, a fifth of its reader's CPU.
        case contested
    }

    public init(
        descriptor: Descriptor, fileID: Key256, records candidates: [PlacementRecord], now: Instant,
        signatures: SignatureCheck = .every
    ) {
        let n = descriptor.parameters.n
        holders = Array(repeating: Array(repeating: nil, count: n), count: descriptor.segmentCount)
        addresses = [:]
        var issuedAt = Array(repeating: Array(repeating: Instant.zero, count: n), count: descriptor.segmentCount)
        var winners: [PeerID: PlacementRecord] = [:]
        // Oldest first, so that a newer record overwrites; ties keep the first seen (deterministic by input).
        // Every keeper serves the same records: each distinct one is checked once (an Ed25519 verification is
        // ~130 µs here, and a file of n = 8 read from 7 keepers would otherwise check 56 of them).
        var seen = Set<PlacementRecord>()
        let distinct = candidates.filter { $0.fileID == fileID && seen.insert($0).inserted }
        let unexpired = distinct.filter { $0.isCurrent(now: now) }
        var valid: [PlacementRecord]
        switch signatures {
        case .every:
            valid = unexpired.filter(\.isSigned)
        case .contested:
            var claims: [Int: Int] = [:]
            for record in unexpired {
                Self.forEachPosition(of: record, descriptor: descriptor) { claims[$0, default: 0] += 1 }
            }
            valid = unexpired.filter { record in
                var contested = false
                Self.forEachPosition(of: record, descriptor: descriptor) { contested = contested || claims[$0]! > 1 }
                return !contested || record.isSigned
            }
        }
        valid.sort { $0.issued < $1.issued }
        for record in valid {
            guard let info = record.holderInfo else { continue }
            var won = false
            for entry in record.entries where Int(entry.slot) < n {
                let end = min(Int(entry.segments.upperBound), descriptor.segmentCount)
                guard Int(entry.segments.lowerBound) < end else { continue }
                for segment in Int(entry.segments.lowerBound)..<end
                where holders[segment][Int(entry.slot)] == nil || issuedAt[segment][Int(entry.slot)] < record.issued {
                    holders[segment][Int(entry.slot)] = record.holder
                    issuedAt[segment][Int(entry.slot)] = record.issued
                    won = true
                }
            }
            if won {
                addresses[record.holder] = info
                winners[record.holder] = record
            }
        }
        // A holder whose every position a newer record took over is no holder any more.
        let current = Set(holders.joined().compactMap { $0 })
        addresses = addresses.filter { current.contains($0.key) }
        records = winners.values.filter { current.contains($0.holder) }.sorted { $0.holder < $1.holder }
    }

    /// Calls `body` with `segment × n + slot` for every position of `descriptor` that `record` names.
    private static func forEachPosition(
        of record: PlacementRecord, descriptor: Descriptor, _ body: (Int) -> Void
    ) {
        let n = descriptor.parameters.n
        for entry in record.entries where Int(entry.slot) < n {
            let end = min(Int(entry.segments.upperBound), descriptor.segmentCount)
            guard Int(entry.segments.lowerBound) < end else { continue }
            for segment in Int(entry.segments.lowerBound)..<end { body(segment * n + Int(entry.slot)) }
        }
    }

    /// The holders with the positions each holds, as (segment, slot).
    public var positionsByHolder: [PeerID: [(segment: UInt32, slot: UInt8)]] {
        var result: [PeerID: [(segment: UInt32, slot: UInt8)]] = [:]
        for (segment, row) in holders.enumerated() {
            for (slot, holder) in row.enumerated() {
                if let holder { result[holder, default: []].append((UInt32(segment), UInt8(slot))) }
            }
        }
        return result
    }

    /// Positions no record names.
    public var unplaced: Int { holders.joined().filter { $0 == nil }.count }
}
