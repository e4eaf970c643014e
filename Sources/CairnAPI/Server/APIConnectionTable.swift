import NIOCore

/// The API's open connections as plain data: who may come in, and who makes room (issue 6, item 9).
///
/// Up to `capacity` connections are admitted. At capacity, a newcomer replaces the connection that has waited
/// longest for a request — it has none in flight and has been given at least `grace` to send one — since a
/// client that is sending a request sends its head at once, and one that trickles it is the likeliest to be
/// holding a place it does not use. A connection with a request in flight is never replaced; when every one
/// has, the newcomer is refused.
struct APIConnectionTable<ID: Hashable> {
    enum Admission: Equatable {
        case admit
        case admitReplacing(ID)
        case refuse
    }

    private struct Entry {
        var requestsInFlight = 0
        var waitingSince: NIODeadline
    }

    let capacity: Int
    let grace: TimeAmount
    private var entries: [ID: Entry] = [:]

    init(capacity: Int, grace: TimeAmount) {
        self.capacity = capacity
        self.grace = grace
    }

    var count: Int { entries.count }

    /// A connection was accepted at `now`.
    mutating func open(_ id: ID, now: NIODeadline) -> Admission {
        if entries.count < capacity {
            entries[id] = Entry(waitingSince: now)
            return .admit
        }
        let waiting = entries.filter { $0.value.requestsInFlight == 0 && now - $0.value.waitingSince >= grace }
        guard let victim = waiting.min(by: { $0.value.waitingSince < $1.value.waitingSince })?.key else {
            return .refuse
        }
        entries[victim] = nil
        entries[id] = Entry(waitingSince: now)
        return .admitReplacing(victim)
    }

    /// A request's head arrived on `id`.
    mutating func requestStarted(_ id: ID) {
        entries[id]?.requestsInFlight += 1
    }

    /// A response on `id` was sent in full at `now`; the connection waits for its next request.
    mutating func requestFinished(_ id: ID, now: NIODeadline) {
        guard var entry = entries[id] else { return }
        entry.requestsInFlight = max(0, entry.requestsInFlight - 1)
        if entry.requestsInFlight == 0 { entry.waitingSince = now }
        entries[id] = entry
    }

    mutating func closed(_ id: ID) {
        entries[id] = nil
    }
}
