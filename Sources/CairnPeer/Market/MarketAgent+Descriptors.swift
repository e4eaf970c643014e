import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// Fetching a file's descriptor from its keepers for the slot's shard IDs, `LocateOperation.descriptorAsks` at
/// once (a keeper that has left costs no timeout while another answers).
extension MarketAgent {
    /// Starts fetching `fileID`'s descriptor: from this peer's own blob store first, where it often is already
    /// (the provider is one of the file's keepers, or fetched it for another slot); the keepers only when not.
    /// A lookup and a request per provider and file put was most of the DHT traffic of small puts.
    mutating func startFetch(_ fileID: Key256, market: MarketState) {
        fetches[fileID] = DescriptorFetch(holders: holders(of: fileID, in: market))
        let ticket = newTicket()
        descriptorReads[ticket] = fileID
        effects.append(.readDescriptor(ticket, fileID))
    }

    /// The store answered a read of the agent's (`readDescriptor`, `prove`; `keepDescriptor`'s answer is ignored).
    public mutating func storeCompleted(_ ticket: StoreTicket, _ outcome: StoreOutcome) {
        if let agreement = reconcileReads.removeValue(forKey: ticket) { return reconcileRead(agreement, outcome) }
        guard let fileID = descriptorReads.removeValue(forKey: ticket) else { return proved(ticket, outcome) }
        guard fetches[fileID] != nil else { return }
        // The owner's signature is not checked again: what this store keeps was checked on the way in, and the
        // file ID (the hash of the signed bytes) ties these bytes to that check. The agreement's slot root, on
        // the chain, is what the shard IDs are held to (`slotShardIDs`).
        if case .blob(let buffer?) = outcome,
            let descriptor = Self.checked(Array(buffer.readableBytesView), fileID, signature: false)
        {
            fetches[fileID] = nil
            return descriptorFound(fileID, descriptor)
        }
        effects.append(.lookUp(fileID))
    }

    /// `bytes` decoded when they are `fileID`'s descriptor and, with `signature`, signed by its owner (an
    /// Ed25519 verification, about 130 µs here).
    static func checked(_ bytes: [UInt8], _ fileID: Key256, signature: Bool = true) -> Descriptor? {
        guard SHA256.hash(bytes) == fileID, let descriptor = try? Descriptor(decoding: bytes),
            !signature || descriptor.verifySignature()
        else { return nil }
        return descriptor
    }

    /// The lookup of `fileID`'s keepers ended (nil: it failed).
    public mutating func lookedUp(_ fileID: Key256, keepers: [PeerInfo]?) {
        guard fetches[fileID] != nil else { return }
        let found = keepers ?? []
        fetches[fileID]!.keepers =
            found + fetches[fileID]!.holders.filter { holder in !found.contains { $0.id == holder.id } }
        askNextKeeper(fileID)
    }

    /// A keeper answered the descriptor request for `fileID` (nil: no descriptor, or no answer).
    public mutating func descriptorAnswered(_ fileID: Key256, bytes: [UInt8]?) {
        guard fetches[fileID] != nil else { return }
        fetches[fileID]!.inFlight -= min(1, fetches[fileID]!.inFlight)
        if let bytes, let descriptor = Self.checked(bytes, fileID) {
            fetches[fileID] = nil
            let ticket = newTicket()
            effects.append(.keepDescriptor(ticket, fileID, bytes: bytes, owner: descriptor.owner))
            return descriptorFound(fileID, descriptor)
        }
        askNextKeeper(fileID)
    }

    mutating func askNextKeeper(_ fileID: Key256) {
        guard var fetch = fetches[fileID], let keepers = fetch.keepers else { return }
        while fetch.inFlight < LocateOperation.descriptorAsks, fetch.cursor < keepers.count {
            effects.append(.askDescriptor(fileID, keepers[fetch.cursor]))
            fetch.cursor += 1
            fetch.inFlight += 1
        }
        guard fetch.inFlight > 0 else {
            fetches[fileID] = nil
            return descriptorFound(fileID, nil)
        }
        fetches[fileID] = fetch
    }

    /// Starts fetching the descriptor of each file this provider has a new agreement for, as soon as the
    /// agreement commits: in the epoch it opened in, before its first challenge, rather than when challenged. A
    /// lookup and a keeper or two can take longer than the proof window (a keeper that left costs a timeout);
    /// fetched only at the challenge, every new agreement's first proof was missed in `cairn sim storage`.
    mutating func prefetchDescriptors(market: MarketState) {
        guard let mine = market.openByProvider[local] else { return }
        let waiting = Set((round?.waitingDescriptor.values).map { Array($0.joined()) } ?? [])
        for id in mine where slots[id] == nil && !waiting.contains(id) {
            guard let agreement = market.agreements[id], prefetching[agreement.fileID]?[id] == nil else { continue }
            prefetching[agreement.fileID, default: [:]][id] = agreement
            if fetches[agreement.fileID] == nil { startFetch(agreement.fileID, market: market) }
        }
    }

    /// The other providers of `fileID`'s open agreements, at the addresses they registered, by peer ID.
    func holders(of fileID: Key256, in market: MarketState) -> [PeerInfo] {
        market.openAgreements(ofFile: fileID).compactMap { agreement in
            guard agreement.provider != local,
                let address = market.providers[agreement.provider].flatMap({ PeerAddress(parsing: $0.address) })
            else { return nil }
            return PeerInfo(id: agreement.provider.peerID, address: address)
        }
        .sorted { $0.id < $1.id }
    }

    /// The slot shard IDs of `agreement` in `descriptor`, checked against the agreement's slot root; or why not.
    static func slotShardIDs(of agreement: StorageAgreement, in descriptor: Descriptor) -> Result<[ShardID], Unproved> {
        let slot = Int(agreement.slot)
        guard slot < descriptor.parameters.n else { return .failure(Unproved("the file has no slot \(slot)")) }
        let ids = descriptor.shardIDs(ofSlot: slot)
        guard ids.count == Int(agreement.segmentCount), MerkleTree(leaves: ids).root == agreement.slotRoot else {
            return .failure(Unproved("the descriptor's slot \(slot) does not match the agreement's slot root"))
        }
        return .success(ids)
    }

    struct Unproved: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Agreement `id`'s slot holds shards `ids` of `descriptor`'s file.
    private mutating func known(_ id: Key256, _ ids: [ShardID], _ descriptor: Descriptor) {
        slots[id] = HeldSlot(shards: ids, reference: descriptor.reference)
    }

    mutating func descriptorFound(_ fileID: Key256, _ descriptor: Descriptor?) {
        if let early = prefetching.removeValue(forKey: fileID), let descriptor {
            for (id, agreement) in early where slots[id] == nil {
                switch Self.slotShardIDs(of: agreement, in: descriptor) {
                case .success(let ids): known(id, ids, descriptor)
                case .failure(let why): log(.warning, "agreement \(id.shortHex)…: \(why.reason)")
                }
            }
        }
        guard var round, let waiting = round.waitingDescriptor.removeValue(forKey: fileID) else { return }
        for id in waiting {
            guard let agreement = round.agreements[id]?.agreement else { continue }
            guard let descriptor else {
                round.unproved[id] = "the descriptor of file \(fileID.shortHex)… was not found"
                continue
            }
            switch Self.slotShardIDs(of: agreement, in: descriptor) {
            case .success(let ids):
                known(id, ids, descriptor)
                round.queue.append(id)
            case .failure(let why):
                round.unproved[id] = why.reason
            }
        }
        self.round = round
        pump()
    }
}
