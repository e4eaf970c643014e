import CairnStorage
import CairnWire

/// The confirmations of a put: every holder is told, with the owner's signature, that its shards belong to
/// the stored file, so that it keeps them past its grace period, and signs where they sit.
///
/// A holder's orders go one after another (one order names at most `ConfirmOrder.maxShards` shards); each
/// is sent three times at most, 0.5 s then 1 s apart. A holder that still does not confirm fails the put:
/// it would drop its shards later and the file would have less redundancy than the put reported.
struct ConfirmRound: Sendable {
    struct Holder: Sendable {
        var info: PeerInfo
        var orders: [ConfirmOrder]
        var next = 0
        var attempt = 0
        var records: [PlacementRecord] = []
        var lastError = "no answer"
    }

    /// What the round wants done.
    enum Step: Sendable {
        case send(ConfirmOrder, to: PeerInfo, holder: Int)
        case retry(holder: Int, after: Duration)
    }

    static let attempts = 3

    var holders: [Holder] = []
    var pending = 0
    var records: [PlacementRecord] = []
    var failures: [String] = []

    init() {}

    init(_ positions: [HolderPositions], fileID: Key256, fileNonce: Key256, owner: Identity, now: Instant) {
        holders = positions.map { held in
            let orders = batches(Array(zip(held.shardIDs, held.positions)), of: ConfirmOrder.maxShards).map { batch in
                ConfirmOrder(
                    fileID: fileID, fileNonce: fileNonce, shardIDs: batch.map(\.0),
                    entries: PlacementRecord.entries(for: batch.map(\.1)), owner: owner, issued: now)
            }
            return Holder(info: held.holder, orders: orders)
        }
        pending = holders.count
    }

    /// The first order of every holder.
    func start() -> [Step] {
        holders.indices.map { .send(holders[$0].orders[0], to: holders[$0].info, holder: $0) }
    }

    /// The order due from `holder` again (its retry timer fired).
    func resend(holder index: Int) -> [Step] {
        guard index < holders.count, holders[index].next < holders[index].orders.count else { return [] }
        let holder = holders[index]
        return [.send(holder.orders[holder.next], to: holder.info, holder: index)]
    }

    /// Holder `index` answered its current order with `response`, or the request failed for `reason`. The
    /// holder's placement record must be its own, for this file and exactly the order's positions, signed,
    /// current at `now` and not issued past `now + clockTolerance` (`PlacementRecord.isOwn`): keepers take the
    /// owner's records without checking their signatures (`ProviderMachine.mergeLoaded`), so a holder's record
    /// that claimed another holder's positions, or forged another holder's record, would otherwise reach every
    /// keeper.
    mutating func settle(holder index: Int, response: Response?, reason: String?, now: Instant,
                         clockTolerance: Duration) -> [Step] {
        guard index < holders.count, holders[index].next < holders[index].orders.count else { return [] }
        let order = holders[index].orders[holders[index].next]
        let expected = order.shardIDs.count
        let error: String
        switch response {
        case .storage(.confirmed(let kept, let record))? where kept == expected:
            guard let record else { return give(up: index, "no placement record") }
            guard record.isOwn(by: holders[index].info.id, fileID: order.fileID, entries: order.entries, now: now,
                               tolerance: clockTolerance)
            else {
                return give(up: index, "its placement record is not its own signed record of these positions")
            }
            holders[index].records.append(record)
            holders[index].next += 1
            holders[index].attempt = 0
            if holders[index].next < holders[index].orders.count { return resend(holder: index) }
            records += holders[index].records
            pending -= 1
            return []
        case .storage(.confirmed(let kept, _))?:
            error = "it keeps only \(kept) of the \(expected) shards it took"
        case .error(let remote)?:
            error = "\(remote)"
        case .some:
            error = FileFailure.unexpectedResponse("a confirmation").description
        case nil:
            error = reason ?? "no answer"
        }
        holders[index].lastError = error
        holders[index].attempt += 1
        guard holders[index].attempt < Self.attempts else { return give(up: index, error) }
        return [.retry(holder: index, after: .milliseconds(500 * holders[index].attempt))]
    }

    private mutating func give(up index: Int, _ reason: String) -> [Step] {
        failures.append("\(holders[index].info.id.shortHex): \(reason)")
        holders[index].next = holders[index].orders.count
        pending -= 1
        return []
    }

    /// Once every holder settled: why the put fails, or nil.
    var failure: FileFailure? {
        guard !failures.isEmpty else { return nil }
        return .recordNotStored(
            "the confirmation of the shards (\(failures.count) holder(s) did not "
                + "confirm: \(failures.prefix(2).joined(separator: "; ")))")
    }
}

/// `items` in consecutive batches of at most `size`; one empty batch for no items (an order naming no shard
/// still names the file).
func batches<T>(_ items: [T], of size: Int) -> [[T]] {
    guard !items.isEmpty else { return [[]] }
    return stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min(items.count, $0 + size)]) }
}
