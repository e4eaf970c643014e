import CairnDHT
import CairnStorage
import CairnWire

/// The owner side of the peer: local file commands run as `PutOperation`s, whose requests, lookups and timers
/// go through the same bookkeeping as the DHT's (request IDs, timeouts as timers).
extension RunningPeer {
    mutating func handleFileCommand(_ command: PeerCommand, id: CommandID, now: Instant) {
        switch command {
        case .query:
            break
        case .startPut(let order):
            var put = PutOperation(id: id, order: order, identity: identity, localPeer: localPeer,
                                   clockTolerance: config.dht.maxClockSkew)
            put.now = now
            let candidates = surveyCandidates(near: order.fileNonce)
            put.start(candidates: candidates, cached: candidates.map { files.capacity(of: $0.id, now: now) })
            files.puts[id] = put
            apply(files.puts[id]!.takeEffects(), of: id, now: now)
        case .putSegment(let put, let segment):
            guard files.puts[put] != nil else { return unknownPut(id) }
            withPut(put, now: now) { $0.add(segment, command: id) }
        case .finishPut(let put, let fileSize):
            guard files.puts[put] != nil else { return unknownPut(id) }
            withPut(put, now: now) { $0.finish(fileSize: fileSize, command: id) }
        case .abortPut(let put, let reason):
            guard files.puts[put] != nil else { return actions.append(.deliver(id, .putAborted)) }
            withPut(put, now: now) { $0.abort(reason: reason, command: id) }
        }
    }

    /// The peers of the routing table nearest `key`, this peer included, nearest first: Kademlia's k, so that
    /// placement needs no network round trip before the survey.
    func surveyCandidates(near key: Key256) -> [PeerInfo] {
        var peers = dht.closestKnown(to: key, count: config.dht.k)
        peers.append(localPeer)
        peers.sort { $0.id.distance(to: key) < $1.id.distance(to: key) }
        return Array(peers.prefix(config.dht.k))
    }

    private mutating func unknownPut(_ command: CommandID) {
        actions.append(.deliver(command, .fileFailed(.invalidRequest("no such put is in progress"))))
    }

    mutating func putAnswered(_ put: CommandID, _ request: PutRequest, response: Response?, reason: String?,
                              now: Instant) {
        withPut(put, now: now) { operation in
            switch request {
            case .capacity(let position, let sent):
                operation.capacityAnswered(position: position, sent: sent, response: response)
            case .shard(let segment, let slot, let provider):
                operation.shardAnswered(segment: segment, slot: slot, provider: provider, response: response,
                                        reason: reason)
            case .blob(let keeper):
                operation.blobAnswered(keeper: keeper, response: response, reason: reason)
            case .confirm(let holder):
                operation.confirmAnswered(holder: holder, response: response, reason: reason)
            case .delete:
                operation.deleteAnswered(response)
            }
        }
    }

    mutating func putLookedUp(_ put: CommandID, _ outcome: QueryOutcome, now: Instant) {
        guard case .closestPeers(let key, let closest) = outcome else {
            return withPut(put, now: now) { $0.lookedUp(nil, record: nil) }
        }
        let record = dht.makeProviderRecord(for: key, now: now)
        withPut(put, now: now) { $0.lookedUp(closest, record: record) }
    }

    mutating func ownerTimerFired(_ number: UInt64, now: Instant) {
        guard let (put, timer) = files.timers.removeValue(forKey: number) else { return }
        withPut(put, now: now) { $0.timerFired(timer) }
    }

    /// Fails every put that waits for an answer.
    mutating func stopFiles() {
        for put in files.puts.values {
            if let waiter = put.waiter { actions.append(.deliver(waiter, .failed("the peer is shutting down"))) }
        }
        for number in files.timers.keys { actions.append(.cancelTimer(.owner(number))) }
        files = OwnerOperations()
    }

    /// Runs `body` on put `put` in place, then carries out what it asked for.
    private mutating func withPut(_ put: CommandID, now: Instant, _ body: (inout PutOperation) -> Void) {
        guard files.puts[put] != nil else { return }
        files.puts[put]!.now = now
        body(&files.puts[put]!)
        apply(files.puts[put]!.takeEffects(), of: put, now: now)
    }

    private mutating func apply(_ effects: [OwnerEffect], of put: CommandID, now: Instant) {
        for effect in effects {
            switch effect {
            case .send(let request, let peer, let tag, let timeout):
                send(.storage(request), to: peer, for: .put(put, tag), now: now, timeout: timeout)
            case .lookUp(let key):
                files.lookups[dht.startQuery(.closestPeers(key), now: now)] = put
            case .arm(let timer, let instant):
                let number = files.nextTimer
                files.nextTimer += 1
                files.timers[number] = (put, timer)
                actions.append(.armTimer(.owner(number), at: instant))
            case .deliver(let command, let result):
                actions.append(.deliver(command, result))
            case .log(let entry):
                actions.append(.log(entry))
            case .rememberCapacity(let peer, let entry):
                files.remember(entry, of: peer, now: now)
            case .forgetCapacity(let peer):
                files.capacities[peer] = nil
            case .finished:
                files.puts[put] = nil
                for (number, owner) in files.timers where owner.put == put {
                    files.timers[number] = nil
                    actions.append(.cancelTimer(.owner(number)))
                }
            }
        }
    }
}
