import CairnCrypto

extension Mempool {
    /// The transactions to evict so that `tx` fits: repeatedly the lowest-fee last-of-its-sender (not `tx`'s own
    /// sender, whose queue `tx` extends), each with a fee below `tx`'s; nil when that cannot make room.
    func evictionVictims(for tx: SignedTransaction) -> [Key256]? {
        var queues = bySender
        queues[tx.transaction.sender] = nil
        var count = entries.count
        var bytes = totalBytes
        var victims: [Key256] = []
        while count + 1 > limits.maxCount || bytes + tx.byteCount > limits.maxBytes {
            guard let (sender, hash, fee) = cheapestTail(of: queues), fee < tx.transaction.fee else { return nil }
            victims.append(hash)
            queues[sender]!.removeLast()
            if queues[sender]!.isEmpty { queues[sender] = nil }
            count -= 1
            bytes -= entries[hash]!.tx.byteCount
        }
        return victims
    }

    /// The fee a transaction must beat to evict one, for the refusal message.
    func lowestEvictableFee(for tx: SignedTransaction) -> Amount? {
        var queues = bySender
        queues[tx.transaction.sender] = nil
        return cheapestTail(of: queues)?.2
    }

    /// The last transaction of some queue with the lowest fee; among equal fees the latest arrival.
    private func cheapestTail(of queues: [PublicKey: [Key256]]) -> (PublicKey, Key256, Amount)? {
        var best: (PublicKey, Key256, Amount, UInt64)?
        for (sender, queue) in queues {
            guard let hash = queue.last, let entry = entries[hash] else { continue }
            let fee = entry.tx.transaction.fee
            if let current = best, current.2 < fee || (current.2 == fee && current.3 > entry.sequence) { continue }
            best = (sender, hash, fee, entry.sequence)
        }
        return best.map { ($0.0, $0.1, $0.2) }
    }
}
