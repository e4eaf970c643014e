/// Request timeouts, which all last the same `DHTConfig.requestTimeout`: their deadlines arrive in the order
/// the requests were sent, so a FIFO does what a heap would at a fraction of the cost (one per request is
/// the bulk of all events). Each carries a sequence number from the `EventQueue` it is merged with.
///
/// A timeout whose response arrived is cancelled by its ticket, so that it expires without waking its peer.
struct TimeoutQueue {
    struct Timeout {
        var deadline: Int64
        var sequence: UInt64
        var node: Int32
        var cancelled = false
        var request: UInt64
    }

    private var items: [Timeout] = []
    private var head = 0
    /// Ticket of `items[0]`: tickets count every timeout ever appended.
    private var firstTicket: UInt64 = 0

    var isEmpty: Bool { head == items.count }

    var first: Timeout? { head < items.count ? items[head] : nil }

    /// Appends a timeout and returns its ticket.
    mutating func append(_ timeout: Timeout) -> UInt64 {
        precondition(items.last.map { $0.deadline <= timeout.deadline } ?? true, "timeouts must arrive in order")
        items.append(timeout)
        return firstTicket + UInt64(items.count - 1)
    }

    /// The response came: the timeout will pass silently. Tickets already expired are ignored.
    mutating func cancel(ticket: UInt64) {
        guard ticket >= firstTicket + UInt64(head), ticket < firstTicket + UInt64(items.count) else { return }
        items[Int(ticket - firstTicket)].cancelled = true
    }

    mutating func removeFirst() -> Timeout {
        let timeout = items[head]
        head += 1
        if head == items.count {
            firstTicket += UInt64(items.count)
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096, head * 2 >= items.count {
            firstTicket += UInt64(head)
            items.removeFirst(head)
            head = 0
        }
        return timeout
    }
}
