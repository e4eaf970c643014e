import CairnDHT
import CairnWire

/// A tiny driver for tests: DHT nodes that pass messages in memory, one at a time and in order, 1 ms of
/// virtual time per delivery. Crashed nodes answer nothing: their callers get `handleFailure`.
struct InMemoryNetwork {
    var nodes: [DHTNode] = []
    var crashed: Set<Int> = []
    var now = Instant.seconds(1)
    var finished: [(node: Int, query: QueryID, outcome: QueryOutcome, stats: QueryStats)] = []
    private var inFlight: [(from: Int, id: RequestID, to: PeerInfo, request: DHTRequest)] = []

    init(count: Int, config: DHTConfig = DHTConfig()) {
        for i in 0..<count {
            let identity = testIdentity(UInt8(i + 1))
            nodes.append(DHTNode(identity: identity, address: Self.address(of: i), config: config, now: now))
        }
    }

    static func address(of index: Int) -> PeerAddress { PeerAddress(host: "node", port: UInt16(index + 1)) }

    func index(of peer: PeerInfo) -> Int? {
        peer.address.host == "node" ? Int(peer.address.port) - 1 : nil
    }

    /// Every node but the first joins through it, one after the other.
    mutating func joinAll() {
        for i in 1..<nodes.count {
            nodes[i].addKnownPeer(nodes[0].localPeer, now: now)
            _ = start(.bootstrap, at: i)
        }
    }

    /// Starts a query and runs the network until it is quiet; returns the query's outcome.
    mutating func start(_ query: DHTQuery, at node: Int) -> (outcome: QueryOutcome, stats: QueryStats)? {
        let id = nodes[node].startQuery(query, now: now)
        collect(node)
        run()
        return finished.last { $0.node == node && $0.query == id }.map { ($0.outcome, $0.stats) }
    }

    /// `start`, failing the test when the query never finished.
    mutating func outcome(of query: DHTQuery, at node: Int) throws -> (outcome: QueryOutcome, stats: QueryStats) {
        guard let result = start(query, at: node) else { throw QueryDidNotFinish(query: query) }
        return result
    }

    struct QueryDidNotFinish: Error, CustomStringConvertible {
        var query: DHTQuery
        var description: String { "the query \(query) never finished" }
    }

    mutating func tick(_ node: Int) {
        nodes[node].tick(now: now)
        collect(node)
        run()
    }

    mutating func run() {
        while !inFlight.isEmpty {
            let message = inFlight.removeFirst()
            now = now + .milliseconds(1)
            if let target = index(of: message.to), !crashed.contains(target) {
                let response = nodes[target].handleRequest(message.request, from: nodes[message.from].localPeer,
                                                           now: now)
                collect(target)
                nodes[message.from].handleResponse(response, to: message.id, now: now)
            } else {
                nodes[message.from].handleFailure(of: message.id, now: now)
            }
            collect(message.from)
        }
    }

    private mutating func collect(_ node: Int) {
        for action in nodes[node].takeActions() {
            switch action {
            case .send(let id, let to, let request):
                inFlight.append((node, id, to, request))
            case .finished(let query, let outcome, let stats):
                finished.append((node, query, outcome, stats))
            }
        }
    }
}
