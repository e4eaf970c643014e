/// Counts accepted connections that have not finished the handshake, in total and per remote address, and says
/// whether one more may be admitted (DESIGN.md §3: "the connections still handshaking are bounded in number and
/// memory").
///
/// Plain data: the transport asks `admit` when a connection is accepted and calls `release` when its handshake
/// completes or it closes, whichever comes first. `release` of a connection not (or no longer) admitted does
/// nothing, so a driver may call it from both places.
struct PendingHandshakes<ConnectionID: Hashable> {
    /// Most connections handshaking at once, from all addresses together.
    let maxTotal: Int
    /// Most connections handshaking at once from one address.
    let maxPerAddress: Int

    private var addressOf: [ConnectionID: String] = [:]
    private var countPerAddress: [String: Int] = [:]

    init(maxTotal: Int, maxPerAddress: Int) {
        self.maxTotal = maxTotal
        self.maxPerAddress = maxPerAddress
    }

    /// Connections admitted and not yet released.
    var count: Int { addressOf.count }

    /// Connections admitted and not yet released from `address`.
    func count(from address: String) -> Int { countPerAddress[address] ?? 0 }

    /// Admits `connection` from `address` unless that would pass either limit; false means close it now.
    mutating func admit(_ connection: ConnectionID, from address: String) -> Bool {
        guard addressOf[connection] == nil else { return true }
        guard addressOf.count < maxTotal, count(from: address) < maxPerAddress else { return false }
        addressOf[connection] = address
        countPerAddress[address, default: 0] += 1
        return true
    }

    /// `connection` finished its handshake or closed: its slot is free again.
    mutating func release(_ connection: ConnectionID) {
        guard let address = addressOf.removeValue(forKey: connection) else { return }
        let remaining = count(from: address) - 1
        countPerAddress[address] = remaining > 0 ? remaining : nil
    }
}
