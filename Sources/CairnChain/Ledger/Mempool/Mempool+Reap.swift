import CairnCrypto

extension Mempool {
    /// Up to `maxCount` transactions and `maxBytes` bytes (their encodings) for a block: the highest fee first
    /// (earlier arrival among equal fees) among each sender's next transaction, so a sender's nonces stay in
    /// order. A sender whose next transaction does not fit contributes nothing more.
    public func reap(maxCount: Int, maxBytes: Int) -> [SignedTransaction] {
        var heads = Heap()
        for (_, queue) in bySender {
            guard let entry = queue.first.flatMap({ entries[$0] }) else { continue }
            heads.push(.init(entry: entry, index: 0))
        }
        var out: [SignedTransaction] = []
        var bytes = 0
        while out.count < maxCount, let head = heads.pop() {
            let tx = head.entry.tx
            guard bytes + tx.byteCount <= maxBytes else { continue }
            out.append(tx)
            bytes += tx.byteCount
            let queue = bySender[tx.transaction.sender] ?? []
            let nextIndex = head.index + 1
            if nextIndex < queue.count, let entry = entries[queue[nextIndex]] {
                heads.push(.init(entry: entry, index: nextIndex))
            }
        }
        return out
    }
}

/// A binary max-heap of sender queue heads, by fee then earliest arrival.
private struct Heap {
    struct Item {
        let entry: Mempool.Entry
        let index: Int
        func before(_ other: Item) -> Bool {
            let a = entry.tx.transaction.fee
            let b = other.entry.tx.transaction.fee
            return a != b ? a > b : entry.sequence < other.entry.sequence
        }
    }

    private var items: [Item] = []

    mutating func push(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].before(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Item? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < items.count, items[left].before(items[first]) { first = left }
            if right < items.count, items[right].before(items[first]) { first = right }
            guard first != parent else { break }
            items.swapAt(parent, first)
            parent = first
        }
        return top
    }
}
