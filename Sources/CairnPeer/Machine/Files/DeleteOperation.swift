import CairnStorage
import CairnWire

/// Deleting a file this identity owns: a lookup of the file ID finds its keepers; every holder gets the
/// owner's signed order for the shards it holds (at most `DeleteOrder.maxShards` per order), every keeper
/// (and this peer, which serves the descriptors of the files it provides) one for the descriptor and
/// placement. Best effort, 30 s per order; answered with `.fileDeleted(shards)`, the shards the holders
/// reported deleted.
struct DeleteOperation: OwnerOperation {
    let id: CommandID
    let layout: PlacedFile
    let holders: [PeerID: PeerInfo]
    let owner: Identity
    let localPeer: PeerInfo
    var now: Instant = .zero
    var pending = 0
    var deleted = 0
    /// Storage agreements of the file this peer owned and ended (submitted) before the delete; why some were not.
    var agreementsEnded = 0
    var agreementsNote: String?
    var effects: [OwnerEffect] = []

    init(id: CommandID, layout: PlacedFile, holders: [PeerID: PeerInfo], owner: Identity, localPeer: PeerInfo) {
        self.id = id
        self.layout = layout
        self.holders = holders
        self.owner = owner
        self.localPeer = localPeer
    }

    mutating func start() {
        effects.append(.lookUp(layout.fileID))
    }

    mutating func lookedUp(_ keepers: [PeerInfo]?) {
        var targets = holders
        for keeper in keepers ?? [] { targets[keeper.id] = keeper }
        targets[localPeer.id] = localPeer
        for target in targets.values.sorted(by: { $0.id < $1.id }) {
            for batch in batches(layout.shardIDs(heldBy: target.id), of: DeleteOrder.maxShards) {
                let order = DeleteOrder(
                    fileID: layout.fileID, fileNonce: layout.fileNonce, shardIDs: batch,
                    owner: owner, issued: now)
                pending += 1
                effects.append(.send(.delete(order), to: target, .delete, timeout: .seconds(30)))
            }
        }
        settled()
    }

    mutating func answered(_ response: Response?) {
        guard pending > 0 else { return }
        pending -= 1
        if case .storage(.deleted(let count))? = response { deleted += count }
        settled()
    }

    private mutating func settled() {
        guard pending == 0 else { return }
        effects.append(.deliver(id, .fileDeleted(shards: deleted, agreementsEnded: agreementsEnded, note: agreementsNote)))
        effects.append(.finished)
    }
}
