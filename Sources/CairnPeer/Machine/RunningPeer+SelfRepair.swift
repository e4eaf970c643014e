import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// Self-healing inside the machine (DESIGN.md §9, issue 9 item 5): a slot the market agent chose this peer to
/// repair (`MarketAgent.planRepairs`) is rebuilt by the same operations `cairn repair` drives, run here on
/// internal commands instead of a driver's:
/// 1. `locateFile`: the descriptor alone, from the file's providers first (`LocateOrder.descriptorOnly`);
/// 2. `startRepair`, with the holders the chain names (slot i of every segment on slot i's provider), the
///    failed slot missing, and the new provider as the only candidate for the rebuilt shards;
/// 3. the Reed–Solomon rebuild of each segment as a store operation (`StoreOperation.rebuildShards`: both
///    drivers carry it out where they do disk work), fed back as `repairRebuilt`;
/// 4. once the rebuilt shards are placed, `MarketTransaction.repair` signed by this peer, then the adoption
///    (the new provider keeps the shards for good only under the replacement agreement, or within its free
///    allowance: it holds the adoption until the repair commits) and the placement's publication.
/// Internal commands carry `selfRepairCommandBit`; what the operations deliver to them never reaches the driver.
extension RunningPeer {
    static let selfRepairCommandBit: UInt64 = 1 << 63
    static let selfRepairTicketBit: UInt64 = 1 << 62

    mutating func startSelfRepair(_ job: MarketAgent.SlotRepair, now: Instant) {
        let id = CommandID(rawValue: Self.selfRepairCommandBit | nextSelfRepair)
        nextSelfRepair += 1
        selfRepairs[id] = job
        handleFileCommand(
            .locateFile(
                LocateOrder(
                    fileID: job.agreement.fileID, descriptor: nil, grantKey: nil,
                    holders: job.sources.values.sorted { $0.id < $1.id }, descriptorOnly: true)), id: id, now: now)
    }

    /// Takes the deliveries to internal commands out of the actions and hands them to their self-repair, until
    /// none is left (handling one may deliver another).
    mutating func routeInternalDeliveries(now: Instant) {
        while let index = actions.firstIndex(where: {
            if case .deliver(let id, _) = $0 { id.rawValue & Self.selfRepairCommandBit != 0 } else { false }
        }) {
            guard case .deliver(let id, let result) = actions.remove(at: index) else { continue }
            selfRepairDelivered(id, result, now: now)
        }
    }

    private mutating func selfRepairDelivered(_ id: CommandID, _ result: PeerCommandResult, now: Instant) {
        guard let job = selfRepairs[id] else { return }
        switch result {
        case .fileLocated(let location):
            let layout = PlacedFile(
                fileID: job.agreement.fileID, descriptor: location.descriptor, placement: location.placement)
            let slot = Int(job.agreement.slot)
            guard slot < layout.parameters.n, layout.segments.count == Int(job.agreement.segmentCount),
                MerkleTree(leaves: location.descriptor.shardIDs(ofSlot: slot)).root == job.agreement.slotRoot
            else {
                return selfRepairEnded(id, .failure(SelfRepairFailure("the descriptor does not match the agreement")))
            }
            var slotHolders = job.sources.mapValues(\.id)
            slotHolders[slot] = job.agreement.provider.peerID
            let placed = layout.withSlotHolders(slotHolders)
            var holders = location.placement.addresses
            for source in job.sources.values { holders[source.id] = source }
            let states = placed.segments.map { segment in
                segment.holders.indices.map { index -> PositionState in
                    index != slot && job.sources[index] != nil ? .healthy : .missing
                }
            }
            let replacement = RepairReplacement(agreementID: job.agreement.id, newProvider: job.newProvider.key)
            startRepair(
                RepairOrder(layout: placed, holders: holders, states: states, replacement: replacement),
                candidates: [job.newProvider.peer], id: id, now: now)
        case .repairSources(let sources):
            guard let layout = files.repairs[id]?.layout else { return }
            let segment = layout.segments[sources.segment]
            let rebuild = ShardRebuild(
                parameters: layout.parameters, shardIDs: segment.shardIDs, shardLength: segment.shardLength,
                sources: Array(zip(sources.slots, sources.shards)).map { (slot: $0.0, bytes: $0.1) },
                targets: sources.targets)
            let ticket = StoreTicket(rawValue: Self.selfRepairTicketBit | (id.rawValue & ~Self.selfRepairCommandBit))
            actions.append(.store(ticket, .rebuildShards(rebuild)))
        case .repairFinished(let summary):
            guard summary.newHolders.contains(job.newProvider.peer.id) else {
                return selfRepairEnded(
                    id, .failure(SelfRepairFailure("the new provider took no shard", newProviderFailed: true)))
            }
            // The repair transaction went before the adoption (`RepairOrder.replacement`).
            guard let hash = summary.replacementTransaction else {
                return selfRepairEnded(id, .failure(SelfRepairFailure("the repair transaction was not submitted")))
            }
            selfRepairEnded(id, .success(hash))
        case .fileFailed(let failure):
            // The new provider is the repair's only candidate: a placement that failed is its failure.
            var placement = false
            if case .placementFailed = failure { placement = true }
            selfRepairEnded(id, .failure(SelfRepairFailure("\(failure)", newProviderFailed: placement)))
        case .failed(let reason):
            selfRepairEnded(id, .failure(SelfRepairFailure(reason)))
        default:
            break
        }
    }

    /// The store carried out a rebuild for a self-repair.
    mutating func selfRepairRebuilt(_ ticket: StoreTicket, _ outcome: StoreOutcome, now: Instant) {
        let id = CommandID(rawValue: Self.selfRepairCommandBit | (ticket.rawValue & ~Self.selfRepairTicketBit))
        guard selfRepairs[id] != nil, files.repairs[id] != nil else { return }
        switch outcome {
        case .rebuilt(let shards):
            handleFileCommand(.repairRebuilt(repair: id, shards: shards), id: id, now: now)
        case .rebuildRejected(let slots):
            handleFileCommand(.repairSourcesRejected(repair: id, slots: slots), id: id, now: now)
        case .failed(let error):
            selfRepairEnded(id, .failure(SelfRepairFailure("the rebuild failed: \(error)")))
        default:
            selfRepairEnded(id, .failure(SelfRepairFailure("the store gave an unexpected answer to a rebuild")))
        }
    }

    private mutating func selfRepairEnded(_ id: CommandID, _ outcome: Result<Key256, SelfRepairFailure>) {
        guard let job = selfRepairs.removeValue(forKey: id) else { return }
        if files.repairs.removeValue(forKey: id) != nil { forgetTimers(of: id) }
        files.locates[id] = nil
        marketAgent?.repairEnded(job.agreement.id, outcome)
        while let effects = marketAgent?.takeEffects(), !effects.isEmpty {
            for effect in effects { if case .log(let entry) = effect { actions.append(.log(entry)) } }
        }
    }
}
