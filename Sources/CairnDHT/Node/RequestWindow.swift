import CairnWire

/// The node's outstanding requests. Request IDs are handed out in sequence and every request settles within
/// the driver's timeout, so they live in a sliding window indexed by ID rather than in a hash table: this is
/// touched three times per message, and the simulator sends millions.
struct RequestWindow: Sendable {
    /// ID of `slots[head]`.
    private var base: UInt64 = 1
    private var slots: [PendingRequest?] = []
    private var head = 0
    private(set) var count = 0

    /// Stores the request sent under `id`, the next ID in sequence.
    mutating func insert(_ request: PendingRequest, for id: RequestID) {
        precondition(id.rawValue == base + UInt64(slots.count - head), "request IDs must be inserted in sequence")
        slots.append(request)
        count += 1
    }

    /// Takes the request out; nil for IDs never sent or already settled.
    mutating func remove(_ id: RequestID) -> PendingRequest? {
        guard id.rawValue >= base else { return nil }
        let offset = id.rawValue - base
        guard offset < UInt64(slots.count - head) else { return nil }
        let index = head + Int(offset)
        guard let request = slots[index] else { return nil }
        slots[index] = nil
        count -= 1
        while head < slots.count, slots[head] == nil {
            head += 1
            base += 1
        }
        if head == slots.count {
            // A burst (a tick's pings) may have grown the buffer; thousands of idle nodes should not keep it.
            slots.removeAll(keepingCapacity: slots.capacity <= 16)
            head = 0
        } else if head >= 64, head * 2 >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return request
    }
}
