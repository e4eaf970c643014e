import CairnDHT
import CairnMarket
import CairnStorage
import CairnWire

/// The owner side of the peer: local file commands run as `PutOperation`s and `GetOperation`s, whose
/// requests, lookups and timers go through the same bookkeeping as the DHT's (request IDs, timeouts as timers).
extension RunningPeer {
    mutating func handleFileCommand(_ command: PeerCommand, id: CommandID, now: Instant) {
        switch command {
        case .query, .chain, .market:
            break
        case .startPut(let order):
            let plan = PutMarketPlan.decide(order: order, market: market)
            if let refusal = escrowRefusal(order: order, plan: plan) {
                return actions.append(.deliver(id, .fileFailed(.invalidRequest(refusal))))
            }
            var put = PutOperation(
                id: id, order: order, identity: identity, localPeer: localPeer,
                clockTolerance: config.dht.maxClockSkew, market: plan)
            put.now = now
            var candidates = surveyCandidates(near: order.fileNonce)
            if case .agreements(let providers, _) = plan {
                // The registered providers, nearest the nonce first, all of them (those past the n-th are
                // spares), within the survey's usual bound.
                candidates = Array(providers.prefix(max(config.dht.k, order.parameters.n)).map(\.peer))
            }
            put.start(candidates: candidates, cached: candidates.map { files.capacity(of: $0.id, now: now) })
            files.puts[id] = put
            apply(files.puts[id]!.takeEffects(), of: id, now: now)
        case .putSegment(let put, let segment):
            guard files.puts[put] != nil else { return unknown(id) }
            with(\.puts, put, now: now) { $0.add(segment, command: id) }
        case .finishPut(let put, let fileSize):
            guard files.puts[put] != nil else { return unknown(id) }
            with(\.puts, put, now: now) { $0.finish(fileSize: fileSize, command: id) }
        case .abortPut(let put, let reason):
            guard files.puts[put] != nil else { return actions.append(.deliver(id, .putAborted)) }
            with(\.puts, put, now: now) { $0.abort(reason: reason, command: id) }
        case .locateFile(let order):
            var locate = LocateOperation(id: id, order: order, owner: identity.publicKey, localPeer: localPeer)
            locate.now = now
            locate.start()
            files.locates[id] = locate
            apply(files.locates[id]!.takeEffects(), of: id, now: now)
        case .storeBlob(let order):
            files.blobStores[id] = BlobStoreOperation(id: id, order: order)
            with(\.blobStores, id, now: now) { $0.start() }
        case .deleteFile(let layout, let holders):
            var delete = DeleteOperation(
                id: id, layout: layout, holders: holders, owner: identity, localPeer: localPeer)
            (delete.agreementsEnded, delete.agreementsNote) = endAgreements(ofFile: layout.fileID, now: now)
            delete.now = now
            files.deletes[id] = delete
            with(\.deletes, id, now: now) { $0.start() }
        case .startRepair(let order):
            startRepair(order, candidates: surveyCandidates(near: order.layout.fileNonce), id: id, now: now)
        case .repairSourcesRejected(let repair, let slots):
            guard files.repairs[repair] != nil else { return unknown(id) }
            with(\.repairs, repair, now: now) { $0.sourcesRejected(slots, command: id) }
        case .repairRebuilt(let repair, let shards):
            guard files.repairs[repair] != nil else { return unknown(id) }
            with(\.repairs, repair, now: now) { $0.rebuilt(shards, command: id) }
        case .endRepair(let repair):
            if files.repairs.removeValue(forKey: repair) != nil { forgetTimers(of: repair) }
            actions.append(.deliver(id, .repairEnded))
        case .audit(let order):
            files.audits[id] = AuditOperation(id: id, order: order)
            with(\.audits, id, now: now) { $0.start() }
        case .resolveHolders(let layout):
            resolveHolders(of: layout, command: id, now: now)
        case .probeHolders(let layout, let addresses):
            var probe = ProbeOperation(layout: layout, addresses: addresses)
            var requests: [(StorageRequest, PeerInfo)] = []
            for holder in probe.holders.keys.sorted() {
                if let request = probe.nextRequest(of: holder) { requests.append(request) } else { probe.pending -= 1 }
            }
            files.probes[id] = probe
            for (request, peer) in requests { probeSend(request, to: peer, for: id, now: now) }
            probeSettled(id)
        case .startGet(let order):
            guard let holders = order.holders else {
                files.resolvingGets[id] = order
                return resolveHolders(of: order.layout, command: id, now: now)
            }
            startGet(order, holders: holders, id: id, now: now)
        case .getSegment(let get, let segment):
            guard files.gets[get] != nil else { return unknown(id) }
            with(\.gets, get, now: now) { $0.request(segment, command: id) }
        case .shardCorrupt(let get, let segment, let slot):
            guard files.gets[get] != nil else { return unknown(id) }
            with(\.gets, get, now: now) { $0.corrupt(segment: segment, slot: slot, command: id) }
        case .endGet(let get):
            if let ended = files.gets.removeValue(forKey: get) {
                forgetTimers(of: get)
                // A segment still asked for (the driver fetches the next while it hands this one out) is
                // answered too: every command gets its answer.
                if let waiting = ended.waiting {
                    actions.append(.deliver(waiting.command, .failed("the get ended")))
                }
            }
            actions.append(.deliver(id, .getEnded))
        }
    }

    /// Starts a `RepairOperation` that places rebuilt shards on `candidates` only.
    mutating func startRepair(_ order: RepairOrder, candidates: [PeerInfo], id: CommandID, now: Instant) {
        var repair = RepairOperation(id: id, order: order, localPeer: localPeer)
        repair.clockTolerance = config.dht.maxClockSkew
        repair.now = now
        repair.start(candidates: candidates, cached: candidates.map { files.capacity(of: $0.id, now: now) })
        files.repairs[id] = repair
        apply(files.repairs[id]!.takeEffects(), of: id, now: now)
    }

    private mutating func startGet(_ order: GetOrder, holders: [PeerID: PeerInfo], id: CommandID, now: Instant) {
        files.gets[id] = GetOperation(id: id, order: order, holders: holders)
        with(\.gets, id, now: now) { $0.start() }
    }

    /// The peers of the routing table nearest `key`, this peer included, nearest first: Kademlia's k, so that
    /// placement needs no network round trip before the survey.
    func surveyCandidates(near key: Key256) -> [PeerInfo] {
        var peers = dht.closestKnown(to: key, count: config.dht.k)
        peers.append(localPeer)
        peers.sort { $0.id.distance(to: key) < $1.id.distance(to: key) }
        return Array(peers.prefix(config.dht.k))
    }

    private mutating func unknown(_ command: CommandID) {
        actions.append(.deliver(command, .fileFailed(.invalidRequest("no such put or get is in progress"))))
    }

    mutating func ownerAnswered(
        _ operation: CommandID, _ request: OwnerRequest, response: Response?,
        reason: String?, now: Instant
    ) {
        if case .fetch(let segment, let slot) = request {
            return with(\.gets, operation, now: now) {
                $0.fetchAnswered(segment: segment, slot: slot, response: response, reason: reason)
            }
        }
        if case .probe(let holder) = request {
            if files.gets[operation] != nil {
                return with(\.gets, operation, now: now) { $0.probeAnswered(holder, response: response) }
            }
            guard let next = files.probes[operation]?.answered(holder, response: response) else {
                return probeSettled(operation)
            }
            return probeSend(next.0, to: next.1, for: operation, now: now)
        }
        if files.blobStores[operation] != nil, case .blob(let keeper) = request {
            return with(\.blobStores, operation, now: now) {
                $0.answered(keeper: keeper, response: response, reason: reason)
            }
        }
        if files.repairs[operation] != nil {
            return with(\.repairs, operation, now: now) { repair in
                switch request {
                case .capacity(let position, let sent):
                    repair.capacityAnswered(position: position, sent: sent, response: response)
                case .repairFetch(let segment, let slot):
                    repair.fetchAnswered(segment: segment, slot: slot, response: response)
                case .repairPlace: repair.placeAnswered(response)
                case .repairAdopt(let holder): repair.adoptAnswered(holder: holder, response: response)
                case .blob(let keeper): repair.blobAnswered(keeper: keeper, response: response, reason: reason)
                default: break
                }
            }
        }
        if case .audit(let challenge) = request {
            return with(\.audits, operation, now: now) {
                $0.answered(challenge: challenge, response: response, reason: reason)
            }
        }
        if files.deletes[operation] != nil {
            return with(\.deletes, operation, now: now) { $0.answered(response) }
        }
        if case .locate(let step) = request {
            return with(\.locates, operation, now: now) { $0.answered(step, response: response) }
        }
        with(\.puts, operation, now: now) { put in
            switch request {
            case .capacity(let position, let sent):
                put.capacityAnswered(position: position, sent: sent, response: response)
            case .shard(let segment, let slot, let provider):
                put.shardAnswered(
                    segment: segment, slot: slot, provider: provider, response: response,
                    reason: reason)
            case .blob(let keeper):
                put.blobAnswered(keeper: keeper, response: response, reason: reason)
            case .confirm(let holder):
                put.confirmAnswered(holder: holder, response: response, reason: reason)
            case .delete:
                put.deleteAnswered(response)
            case .descriptorCopy, .fetch, .locate, .probe, .audit, .repairFetch, .repairPlace, .repairAdopt:
                break
            }
        }
    }

    mutating func putLookedUp(_ put: CommandID, _ outcome: QueryOutcome, now: Instant) {
        var closest: [PeerInfo]?
        if case .closestPeers(_, let found) = outcome { closest = found }
        if files.blobStores[put] != nil { return with(\.blobStores, put, now: now) { $0.lookedUp(closest) } }
        if files.repairs[put] != nil { return with(\.repairs, put, now: now) { $0.lookedUp(closest) } }
        if files.deletes[put] != nil { return with(\.deletes, put, now: now) { $0.lookedUp(closest) } }
        if files.locates[put] != nil {
            guard case .closestPeers(_, let closest) = outcome else {
                return with(\.locates, put, now: now) { $0.lookedUp(nil) }
            }
            return with(\.locates, put, now: now) { $0.lookedUp(closest) }
        }
        guard case .closestPeers(let key, let closest) = outcome else {
            return with(\.puts, put, now: now) { $0.lookedUp(nil, record: nil) }
        }
        let record = dht.makeProviderRecord(for: key, now: now)
        with(\.puts, put, now: now) { $0.lookedUp(closest, record: record) }
    }

    /// Addresses of the file's holders: from their placement records, then the routing table, then one lookup
    /// per holder still unknown.
    private mutating func resolveHolders(of layout: PlacedFile, command: CommandID, now: Instant) {
        let wanted = Set(layout.segments.flatMap(\.holders)).subtracting([.zero])
        var found = layout.placement.addresses.filter { wanted.contains($0.key) }
        found[localPeer.id] = localPeer
        for entry in dht.routingTable.entries where wanted.contains(entry.peer.id) { found[entry.peer.id] = entry.peer }
        var resolve = ResolveOperation(found: found)
        for missing in wanted.subtracting(found.keys).sorted() {
            files.peerLookups[dht.startQuery(.findPeer(missing), now: now)] = command
            resolve.pending += 1
        }
        files.resolves[command] = resolve
        resolveSettled(command, now: now)
    }

    mutating func holderLookedUp(_ command: CommandID, _ outcome: QueryOutcome, now: Instant) {
        guard files.resolves[command] != nil else { return }
        files.resolves[command]!.pending -= 1
        if case .peerFound(let id, let addresses?) = outcome, let address = addresses.first {
            files.resolves[command]!.found[id] = PeerInfo(id: id, address: address)
        }
        resolveSettled(command, now: now)
    }

    private mutating func resolveSettled(_ command: CommandID, now: Instant) {
        guard let resolve = files.resolves[command], resolve.pending == 0 else { return }
        files.resolves[command] = nil
        if let get = files.resolvingGets.removeValue(forKey: command) {
            return startGet(get, holders: resolve.found, id: command, now: now)
        }
        actions.append(.deliver(command, .holdersResolved(resolve.found)))
    }

    private mutating func probeSend(_ request: StorageRequest, to peer: PeerInfo, for command: CommandID, now: Instant)
    {
        send(
            .storage(request), to: peer, for: .owner(command, .probe(holder: peer.id)), now: now,
            timeout: ProbeOperation.timeout)
    }

    private mutating func probeSettled(_ command: CommandID) {
        guard let probe = files.probes[command], probe.pending == 0 else { return }
        files.probes[command] = nil
        actions.append(
            .deliver(command, .holdersProbed(ShardAvailability(held: probe.held, unreachable: probe.unreachable))))
    }

    mutating func ownerTimerFired(_ number: UInt64, now: Instant) {
        guard let (operation, timer) = files.timers.removeValue(forKey: number) else { return }
        if files.gets[operation] != nil {
            with(\.gets, operation, now: now) { $0.timerFired(timer) }
        } else if files.repairs[operation] != nil {
            with(\.repairs, operation, now: now) { $0.timerFired(timer) }
        } else {
            with(\.puts, operation, now: now) { $0.timerFired(timer) }
        }
    }

    /// Fails every put and get that waits for an answer.
    mutating func stopFiles() {
        for put in files.puts.values {
            if let waiter = put.waiter { actions.append(.deliver(waiter, .failed("the peer is shutting down"))) }
        }
        let others =
            Array(files.locates.keys) + Array(files.resolves.keys) + Array(files.probes.keys)
            + Array(files.blobStores.keys) + Array(files.deletes.keys) + Array(files.audits.keys)
        for repair in files.repairs.values {
            if let waiter = repair.waiter { actions.append(.deliver(waiter, .failed("the peer is shutting down"))) }
        }
        for command in others {
            actions.append(.deliver(command, .failed("the peer is shutting down")))
        }
        for get in files.gets.values {
            if let waiting = get.waiting {
                actions.append(.deliver(waiting.command, .failed("the peer is shutting down")))
            }
        }
        for number in files.timers.keys { actions.append(.cancelTimer(.owner(number))) }
        files = OwnerOperations()
    }

    /// Runs `body` in place on operation `id` of `table` (nothing when it is over), at `now`, then carries out
    /// what it asked for.
    private mutating func with<Operation: OwnerOperation>(
        _ table: WritableKeyPath<OwnerOperations, [CommandID: Operation]>, _ id: CommandID, now: Instant,
        _ body: (inout Operation) -> Void
    ) {
        guard files[keyPath: table][id] != nil else { return }
        files[keyPath: table][id]!.now = now
        body(&files[keyPath: table][id]!)
        apply(files[keyPath: table][id]!.takeEffects(), of: id, now: now)
    }

    private mutating func apply(_ effects: [OwnerEffect], of operation: CommandID, now: Instant) {
        for effect in effects {
            switch effect {
            case .send(let request, let peer, let tag, let timeout):
                send(.storage(request), to: peer, for: .owner(operation, tag), now: now, timeout: timeout)
            case .lookUp(let key):
                files.lookups[dht.startQuery(.closestPeers(key), now: now, alpha: config.keeperLookupAlpha)] = operation
            case .arm(let timer, let instant):
                let number = files.nextTimer
                files.nextTimer += 1
                files.timers[number] = (operation, timer)
                actions.append(.armTimer(.owner(number), at: instant))
            case .deliver(let command, let result):
                actions.append(.deliver(command, result))
            case .openAgreements(let request):
                let result = openAgreements(request, now: now)
                files.puts[operation]?.agreementsSubmitted(request, result)
                // What the put made of it (a log line).
                if let more = files.puts[operation]?.takeEffects() { apply(more, of: operation, now: now) }
            case .endAgreements(let ids):
                endAgreements(ids, now: now)
            case .submitRepair(let replacement):
                let kind = MarketTransaction.repair(
                    agreementID: replacement.agreementID, newProvider: replacement.newProvider)
                let result = submitSigned(kind, now: now)
                files.repairs[operation]?.replacementSubmitted(result)
                if let more = files.repairs[operation]?.takeEffects() { apply(more, of: operation, now: now) }
            case .log(let entry):
                actions.append(.log(entry))
            case .rememberCapacity(let peer, let entry):
                files.remember(entry, of: peer, now: now)
            case .forgetCapacity(let peer):
                files.capacities[peer] = nil
            case .finished:
                files.puts[operation] = nil
                files.locates[operation] = nil
                files.blobStores[operation] = nil
                files.deletes[operation] = nil
                files.audits[operation] = nil
                files.repairs[operation] = nil
                files.gets[operation] = nil
                forgetTimers(of: operation)
            }
        }
    }

    mutating func forgetTimers(of operation: CommandID) {
        for (number, owner) in files.timers where owner.operation == operation {
            files.timers[number] = nil
            actions.append(.cancelTimer(.owner(number)))
        }
    }
}
