import CairnStorage
import CairnWire

extension ProviderMachine {
    /// Takes one storage request: refuses it at once, or asks for the disk work that answers it. A provider
    /// record riding with a blob has already gone to the DHT node (`RunningPeer`). `terms` says, from the
    /// committed chain, on what terms a file's shards may be kept for good (`ProviderMachine+Agreements`).
    /// `sender`: the peer the connection authenticated.
    mutating func serve(_ request: StorageRequest, id: InboundID, sender: PeerID, now: Instant,
                        terms: (Key256) -> KeepTerms = { _ in .unlimited }, actions: inout [PeerAction]) {
        do {
            try accept(request, id: id, sender: sender, now: now, terms: terms, actions: &actions)
        } catch {
            actions.append(.respond(id, .error(Self.remoteError(for: error))))
        }
    }

    private mutating func accept(_ request: StorageRequest, id: InboundID, sender: PeerID, now: Instant,
                                 terms: (Key256) -> KeepTerms, actions: inout [PeerAction]) throws {
        switch request {
        case .putShard(let shard, let file, let owner, let bytes):
            // The store checks the bytes against the ID where it writes them (`ShardStoring.write`).
            let reference = ShardReference(file: file, owner: owner.peerID)
            store(.writeShard(id: shard, reference: reference, bytes: bytes, now: now), for: .answer(id, .stored),
                  actions: &actions)
        case .getShard(let shard):
            store(.readShard(shard), for: .answer(id, .shard), actions: &actions)
        case .capacity:
            store(.capacity, for: .answer(id, .capacity), actions: &actions)
        case .putBlob(let kind, let key, _, let bytes):
            let blob = Array(bytes.readableBytesView)
            if kind == .placement {
                try mergePlacement(blob, fileID: key, id: id, sender: sender, now: now, actions: &actions)
            } else {
                let owner = try Self.owner(ofBlob: blob, kind: kind, key: key)
                store(.putBlob(kind: kind, key: key, bytes: blob, owner: owner), for: .answer(id, .stored),
                      actions: &actions)
            }
        case .getBlob(let kind, let key):
            store(.getBlob(kind: kind, key: key), for: .answer(id, .blob), actions: &actions)
        case .locate(let fileID, let descriptor):
            store(.loadPlacement(fileID: fileID), for: .answer(id, .located(descriptor: descriptor)),
                  actions: &actions)
        case .delete(let order):
            guard order.isSignatureValid else {
                throw RemoteError(code: .refused, message: "delete order for \(order.fileID.hex) has a bad signature")
            }
            if deferDelete(order, terms: terms(order.fileID), id: id, actions: &actions) { return }
            // Only this owner's reference for this file goes; a shard another file still needs stays.
            store(.deleteFile(fileID: order.fileID, reference: order.reference, shards: order.shardIDs,
                              owner: order.owner),
                  for: .answer(id, .deleted), actions: &actions)
        case .confirm(let order):
            guard order.isSignatureValid else {
                throw RemoteError(code: .refused, message: "confirmation for \(order.fileID.hex) has a bad signature")
            }
            let reply = Reply.confirm(fileID: order.fileID, count: order.shardIDs.count, entries: order.entries)
            keep(Keep(fileID: order.fileID, reference: order.reference, shards: order.shardIDs, reply: reply), id: id,
                 terms: terms(order.fileID), actions: &actions)
        case .holds(let ids):
            store(.containsShards(ids), for: .answer(id, .holding), actions: &actions)
        case .prove(let shard, let leaf):
            store(.proveShard(shard, leaf: Int(leaf)), for: .answer(id, .proof(shard, leaf: leaf)), actions: &actions)
        case .adopt(let bytes, let entries):
            let encoded = Array(bytes.readableBytesView)
            let descriptor = try Descriptor(decoding: encoded)
            guard descriptor.verifySignature() else {
                throw RemoteError(code: .refused,
                                  message: "the descriptor to adopt shards for has a bad owner signature")
            }
            let fileID = SHA256.hash(encoded)
            let ids = try Self.shardsToAdopt(of: descriptor, fileID: fileID, at: entries)
            // Only shards stored here under the file's nonce and owner are adopted (the confirm counts them).
            // A repair's new holder adopts under the replacement agreement, which the repairer submits before
            // asking: the same gate as a confirmation.
            let reply = Reply.adopt(fileID: fileID, count: ids.count, entries: entries)
            keep(Keep(fileID: fileID, reference: descriptor.reference, shards: ids, reply: reply), id: id,
                 terms: terms(fileID), actions: &actions)
        }
    }

    /// Starts merging the records of `blob` into those kept for `fileID`, or queues the merge behind the one in
    /// flight for that file. The records are checked first: all for this file, not expired; their holders'
    /// signatures once the kept descriptor names the owner (`mergeLoaded`).
    private mutating func mergePlacement(_ blob: [UInt8], fileID: Key256, id: InboundID, sender: PeerID,
                                         now: Instant, actions: inout [PeerAction]) throws {
        let incoming = try PlacementRecord.decodeList(blob)
        guard incoming.allSatisfy({ $0.fileID == fileID && $0.isCurrent(now: now) }) else {
            throw RemoteError(code: .refused, message: "a placement record for \(fileID.hex) is invalid or expired")
        }
        let merge = PendingMerge(id: id, incoming: incoming, sender: sender)
        if merges[fileID] != nil {
            merges[fileID]?.append(merge)
            return
        }
        merges[fileID] = []
        store(.loadPlacement(fileID: fileID), for: .mergeLoad(merge, fileID: fileID), actions: &actions)
    }

    /// The merge of `fileID` ended: the next one queued for it starts.
    mutating func nextMerge(of fileID: Key256, actions: inout [PeerAction]) {
        guard var queue = merges[fileID], !queue.isEmpty else {
            merges[fileID] = nil
            return
        }
        let merge = queue.removeFirst()
        merges[fileID] = queue
        store(.loadPlacement(fileID: fileID), for: .mergeLoad(merge, fileID: fileID), actions: &actions)
    }
}
