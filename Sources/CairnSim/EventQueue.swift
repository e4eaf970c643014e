/// A discrete-event queue ordered by (time, insertion sequence), so that events at the same virtual instant
/// run in the order they were scheduled and a run never depends on anything but its seed.
///
/// The heap holds small (time, sequence, slot) triples; the events themselves sit in a slab, so sifting
/// never copies message payloads.
struct EventQueue<Event> {
    private struct Entry {
        var time: Int64
        var sequence: UInt64
        var slot: Int32
    }

    private var heap: [Entry] = []
    private var slab: [Event?] = []
    private var freeSlots: [Int32] = []
    private(set) var sequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// Time and sequence of the next event, if any.
    var nextKey: (time: Int64, sequence: UInt64)? {
        heap.first.map { ($0.time, $0.sequence) }
    }

    /// A sequence number from the same counter, for events kept outside the heap but ordered with it.
    mutating func takeSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    mutating func push(_ event: Event, at time: Int64) {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slab[Int(free)] = event
        } else {
            slot = Int32(slab.count)
            slab.append(event)
        }
        heap.append(Entry(time: time, sequence: takeSequence(), slot: slot))
        siftUp(heap.count - 1)
    }

    mutating func pop() -> (time: Int64, event: Event)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        guard let event = slab[Int(top.slot)].take() else {
            preconditionFailure("event slot \(top.slot) was empty")
        }
        freeSlots.append(top.slot)
        return (top.time, event)
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        let entry = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(entry, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let entry = heap[parent]
        let count = heap.count
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, Self.before(heap[child + 1], heap[child]) { child += 1 }
            guard Self.before(heap[child], entry) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }
}
