import CairnDHT
import CairnWire
import Metrics

/// What the peer's network side counts, through swift-metrics: the process running the peer chooses the backend
/// (`cairn run` serves them as Prometheus text at `/metrics`); with none bootstrapped they cost next to nothing.
///
/// Counters are made once per label set and kept, so that counting a request is an atomic add rather than a
/// lookup in the backend's registry under its lock.
enum PeerMetrics {
    /// Makes every fixed counter now, at zero, so that a scrape finds each series from the start rather than
    /// after its first event (Prometheus's advice for label sets known in advance).
    static func prepare() {
        _ = served
        _ = storageFailures
        _ = shardBytesStored
        _ = shardBytesServed
    }

    /// Requests other peers sent this one, by kind (`dht_find_node`, `storage_get_shard`, …).
    static func served(_ request: Request) {
        served[request.metricKind]?.increment()
    }

    /// A storage request answered: shard bytes taken in and sent out, or the reason it failed.
    static func answered(_ request: StorageRequest, with response: Response) {
        switch response {
        case .storage(let answer):
            if case .putShard(_, _, _, let bytes) = request {
                shardBytesStored.increment(by: Int64(bytes.readableBytes))
            }
            if case .shard(let bytes) = answer {
                shardBytesServed.increment(by: Int64(bytes.readableBytes))
                ServedTotals.served(shardBytes: bytes.readableBytes)
            }
        case .error(let error):
            failed(code: error.code)
        case .dht, .echo, .chain:
            break
        }
    }

    /// A block committed: the chain's height and the transactions it carried.
    static func chainCommitted(height: UInt64, transactions: Int) {
        chainHeight.record(Int64(clamping: height))
        chainTransactions.increment(by: Int64(transactions))
    }

    /// A storage request refused or failed, by the reason sent back.
    static func failed(code: RemoteError.Code) {
        storageFailures[code]?.increment()
    }

    /// A DHT lookup this peer ran (for its API, its files or its own upkeep), by kind and whether it found
    /// anything, and how long it took.
    static func lookup(_ outcome: QueryOutcome, duration: Duration) {
        let (kind, found) = outcome.metricKind
        Counter(label: "cairn_dht_lookups_total", dimensions: [("kind", kind), ("outcome", found ? "ok" : "empty")])
            .increment()
        Timer(label: "cairn_dht_lookup_duration_seconds", dimensions: [("kind", kind)]).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    private static let served: [String: Counter] = Dictionary(
        uniqueKeysWithValues: Request.metricKinds.map {
            ($0, Counter(label: "cairn_peer_requests_served_total", dimensions: [("kind", $0)]))
        })
    private static let chainHeight = Gauge(label: "cairn_chain_height")
    private static let chainTransactions = Counter(label: "cairn_chain_transactions_total")
    private static let shardBytesStored = Counter(label: "cairn_shard_bytes_received_total")
    private static let shardBytesServed = Counter(label: "cairn_shard_bytes_served_total")
    private static let storageFailures: [RemoteError.Code: Counter] = Dictionary(
        uniqueKeysWithValues: RemoteError.Code.allReasons.map { code, reason in
            (code, Counter(label: "cairn_storage_failures_total", dimensions: [("reason", reason)]))
        })
}

extension Request {
    /// Every value `metricKind` takes.
    static let metricKinds = [
        "echo", "dht_ping", "dht_find_node", "dht_get_peer_record", "dht_put_peer_record", "dht_get_providers",
        "dht_add_provider", "storage_put_shard", "storage_get_shard", "storage_capacity", "storage_put_blob",
        "storage_get_blob", "storage_delete", "storage_confirm", "storage_holds", "storage_prove", "storage_adopt",
        "storage_locate",
        "chain_get_transactions", "chain_get_proposed_block", "chain_get_blocks",
    ]

    /// The request's kind as a metric label.
    var metricKind: String {
        switch self {
        case .echo: "echo"
        case .dht(let request):
            switch request {
            case .ping: "dht_ping"
            case .findNode: "dht_find_node"
            case .getPeerRecord: "dht_get_peer_record"
            case .putPeerRecord: "dht_put_peer_record"
            case .getProviders: "dht_get_providers"
            case .addProvider: "dht_add_provider"
            }
        case .storage(let request):
            switch request {
            case .putShard: "storage_put_shard"
            case .getShard: "storage_get_shard"
            case .capacity: "storage_capacity"
            case .putBlob: "storage_put_blob"
            case .getBlob: "storage_get_blob"
            case .delete: "storage_delete"
            case .confirm: "storage_confirm"
            case .holds: "storage_holds"
            case .prove: "storage_prove"
            case .adopt: "storage_adopt"
            case .locate: "storage_locate"
            }
        case .chain(let request):
            switch request {
            case .getTransactions: "chain_get_transactions"
            case .getProposedBlock: "chain_get_proposed_block"
            case .getBlocks: "chain_get_blocks"
            }
        }
    }
}

extension RemoteError.Code {
    /// Each code with its name as a metric label.
    static let allReasons: [(RemoteError.Code, String)] = [
        (.badRequest, "bad_request"), (.overloaded, "overloaded"), (.notFound, "not_found"), (.refused, "refused"),
        (.noCapacity, "no_capacity"), (.internalError, "internal_error"),
    ]
}

extension QueryOutcome {
    /// The lookup's kind as a metric label, and whether it found what it looked for.
    var metricKind: (kind: String, found: Bool) {
        switch self {
        case .closestPeers(_, let peers): ("closest_peers", !peers.isEmpty)
        case .peerFound(_, let addresses): ("find_peer", addresses != nil)
        case .peerRecord(_, let record): ("find_peer_record", record != nil)
        case .providers(_, let records): ("get_providers", !records.isEmpty)
        case .provided(_, let storedAt, _): ("provide", storedAt > 0)
        case .peerRecordPublished(let storedAt): ("publish_peer_record", storedAt > 0)
        case .bootstrapped(let known): ("bootstrap", known > 0)
        }
    }
}
