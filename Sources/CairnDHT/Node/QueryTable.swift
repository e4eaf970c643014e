import CairnWire

/// The node's running queries. A node runs a handful at once, so a small array searched by ID beats a hash
/// table; a query is taken out while it is worked on, so that its candidate list is never shared and copied.
struct QueryTable: Sendable {
    private var items: [QueryState] = []

    var count: Int { items.count }

    mutating func take(_ id: QueryID) -> QueryState? {
        guard let index = items.firstIndex(where: { $0.id == id }) else { return nil }
        return items.remove(at: index)
    }

    mutating func put(_ query: consuming QueryState) {
        items.append(query)
    }
}
