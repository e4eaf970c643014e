import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// Fetching a file's descriptor from its keepers, one after another, for the slot's shard IDs.
extension MarketAgent {
    /// The lookup of `fileID`'s keepers ended (nil: it failed).
    public mutating func lookedUp(_ fileID: Key256, keepers: [PeerInfo]?) {
        guard fetches[fileID] != nil else { return }
        fetches[fileID]!.keepers = keepers ?? []
        askNextKeeper(fileID)
    }

    /// A keeper answered the descriptor request for `fileID` (nil: no descriptor, or no answer).
    public mutating func descriptorAnswered(_ fileID: Key256, bytes: [UInt8]?) {
        guard fetches[fileID] != nil else { return }
        if let bytes, SHA256.hash(bytes) == fileID, let descriptor = try? Descriptor(decoding: bytes),
           descriptor.verifySignature()
        {
            fetches[fileID] = nil
            return descriptorFound(fileID, descriptor)
        }
        askNextKeeper(fileID)
    }

    mutating func askNextKeeper(_ fileID: Key256) {
        guard let fetch = fetches[fileID], let keepers = fetch.keepers else { return }
        guard fetch.cursor < keepers.count else {
            fetches[fileID] = nil
            return descriptorFound(fileID, nil)
        }
        fetches[fileID]!.cursor += 1
        effects.append(.askDescriptor(fileID, keepers[fetch.cursor]))
    }

    mutating func descriptorFound(_ fileID: Key256, _ descriptor: Descriptor?) {
        guard var round, let waiting = round.waitingDescriptor.removeValue(forKey: fileID) else { return }
        for id in waiting {
            guard let agreement = round.agreements[id]?.agreement else { continue }
            guard let descriptor else {
                round.unproved[id] = "the descriptor of file \(fileID.shortHex)… was not found"
                continue
            }
            let slot = Int(agreement.slot)
            guard slot < descriptor.parameters.n else {
                round.unproved[id] = "the file has no slot \(slot)"
                continue
            }
            let ids = descriptor.shardIDs(ofSlot: slot)
            guard ids.count == Int(agreement.segmentCount), MerkleTree(leaves: ids).root == agreement.slotRoot else {
                round.unproved[id] = "the descriptor's slot \(slot) does not match the agreement's slot root"
                continue
            }
            slotShards[id] = ids
            round.queue.append(id)
        }
        self.round = round
        pump()
    }
}
