import CairnPeer
import CairnStorage
import CairnWire

/// The end of a put: confirm what it placed, or remove it (issue 6, item 6).
extension FileService {
    /// Tells every holder, with the owner's signature, that its shards belong to the stored file `fileID`, so
    /// that it keeps them past its grace period, and collects each holder's signed placement record for them. A
    /// holder that does not answer is asked again twice; one that still does not makes the put fail, because it
    /// would drop its shards later and the file would have less redundancy than the put reported.
    func confirm(_ holders: [HolderPositions], fileID: Key256, fileNonce: Key256) async throws -> [PlacementRecord] {
        let now = WallClock.now()
        let (records, failures) = await withTaskGroup(of: ([PlacementRecord], String?).self) { group in
            for held in holders {
                // One order carries at most `ConfirmOrder.maxShards` IDs; a holder of more gets several.
                let orders = Self.batches(Array(zip(held.shardIDs, held.positions)), of: ConfirmOrder.maxShards).map {
                    batch in
                    ConfirmOrder(fileID: fileID, fileNonce: fileNonce, shardIDs: batch.map(\.0),
                                 entries: PlacementRecord.entries(for: batch.map(\.1)), owner: identity, issued: now)
                }
                group.addTask {
                    var records: [PlacementRecord] = []
                    for order in orders {
                        switch await self.send(order, to: held.holder) {
                        case .success(let record?): records.append(record)
                        case .success(nil): return ([], "\(held.holder.id.shortHex): no placement record")
                        case .failure(let reason): return ([], "\(held.holder.id.shortHex): \(reason)")
                        }
                    }
                    return (records, nil)
                }
            }
            var records: [PlacementRecord] = []
            var failures: [String] = []
            for await (found, failure) in group {
                records += found
                if let failure { failures.append(failure) }
            }
            return (records, failures)
        }
        guard failures.isEmpty else {
            throw FileError.recordNotStored("the confirmation of the shards (\(failures.count) holder(s) did not "
                + "confirm: \(failures.prefix(2).joined(separator: "; ")))")
        }
        return records.sorted { ($0.holder, $0.issued) < ($1.holder, $1.issued) }
    }

    /// Sends one confirmation, three times at most; the holder's placement record once it keeps every shard it
    /// names, else why not.
    private func send(_ order: ConfirmOrder, to holder: PeerInfo) async -> Result<PlacementRecord?, ConfirmFailure> {
        var lastError: Error?
        for attempt in 0..<3 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(500 * attempt)) }
            do {
                let answer = try await peer.storageRequest(.confirm(order), to: holder)
                guard case .confirmed(let kept, let record) = answer else {
                    throw FileError.unexpectedResponse("a confirmation")
                }
                guard kept == order.shardIDs.count else {
                    throw FileError.invalidRequest(
                        "it keeps only \(kept) of the \(order.shardIDs.count) shards it took")
                }
                return .success(record)
            } catch {
                lastError = error
            }
        }
        return .failure(ConfirmFailure(reason: lastError.map { "\($0)" } ?? "no answer"))
    }

    /// `items` in consecutive batches of at most `size`; one empty batch for no items.
    static func batches<T>(_ items: [T], of size: Int) -> [[T]] {
        guard !items.isEmpty else { return [[]] }
        return stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min(items.count, $0 + size)]) }
    }

    /// Removes what a failed put placed: each holder gets the owner's signed delete order for its shards under
    /// the file nonce (and the descriptor and placement, when stored, go from their keepers). Best effort: a holder that
    /// cannot be reached reclaims the shards itself once its grace period has passed, as they were never
    /// confirmed. Never throws; the put's own error is what the caller reports.
    func abandon(_ placed: PlacedShards, fileNonce: Key256, fileID: Key256?, keepers: [PeerInfo], reason: Error) async {
        guard !placed.isEmpty || fileID != nil else { return }
        var targets: [PeerID: (holder: PeerInfo, shards: [ShardID])] = [:]
        for entry in placed.holders { targets[entry.holder.id] = entry }
        if fileID != nil {
            // The keepers, and this peer, which serves the descriptor of the files it provides.
            var others = keepers
            if let own = peer.listenAddress { others.append(PeerInfo(id: peer.peerID, address: own)) }
            for keeper in others where targets[keeper.id] == nil { targets[keeper.id] = (keeper, []) }
        }
        let now = WallClock.now()
        let removed = await withTaskGroup(of: Int.self) { group in
            for (holder, shards) in targets.values {
                // Without a descriptor there is no file ID: the zero key names no blob, so only shards go.
                for batch in Self.batches(shards, of: DeleteOrder.maxShards) {
                    let order = DeleteOrder(fileID: fileID ?? .zero, fileNonce: fileNonce, shardIDs: batch,
                                            owner: identity, issued: now)
                    group.addTask {
                        guard case .deleted(let count)? = try? await self.peer.storageRequest(
                            .delete(order), to: holder, timeout: .seconds(10))
                        else { return 0 }
                        return count
                    }
                }
            }
            var total = 0
            for await count in group { total += count }
            return total
        }
        let placedCount = placed.holders.reduce(0) { $0 + $1.shards.count }
        logger.notice("put failed; removed the shards it had placed", metadata: [
            "cairn.file.nonce": "\(fileNonce.shortHex)", "cairn.shards.placed": "\(placedCount)",
            "cairn.shards.deleted": "\(removed)", "cairn.error": "\(reason)",
        ])
    }
}

/// Why a holder did not confirm.
struct ConfirmFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
