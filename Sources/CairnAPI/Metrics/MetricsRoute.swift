import CairnNet
import Hummingbird
import Metrics
import NIOCore
import Prometheus

/// `GET /metrics`: every metric in the Prometheus text format (version 0.0.4), as swift-prometheus writes it.
///
/// It needs the API token like every route but health: the figures tell how much a peer stores and serves and
/// when its owner is active, and Prometheus sends a bearer token from a file (`authorization: credentials_file:
/// DATA/api-token` in the scrape config), so asking for it costs an operator one line.
///
/// Figures that are states rather than events (connections, routing table, shards held, bytes stored) are read
/// when scraped, so they are never stale and nothing polls between scrapes.
struct MetricsRoute: Sendable {
    let registry: PrometheusCollectorRegistry
    let peer: NetworkPeer
    let files: FileService?

    private let connections = Gauge(label: "cairn_peer_connections")
    private let routingTable = Gauge(label: "cairn_routing_table_peers")
    private let shardsHeld = Gauge(label: "cairn_shards_held")
    private let storedBytes = Gauge(label: "cairn_stored_bytes")
    private let capacityBytes = Gauge(label: "cairn_capacity_bytes")
    private let filesOwned = Gauge(label: "cairn_files_owned")
    /// Also set at each commit (`PeerMetrics`); set here too, so that a peer that has committed nothing since it
    /// started still shows the height it restored.
    private let chainHeight = Gauge(label: "cairn_chain_height")
    private let mempool = Gauge(label: "cairn_chain_mempool_transactions")
    private let peersInSync = Gauge(label: "cairn_chain_peers_in_sync")
    private let votingPowerOnline = Gauge(label: "cairn_chain_voting_power_online_ratio")
    private let balance = Gauge(label: "cairn_wallet_balance_base_units")
    private let stake = Gauge(label: "cairn_wallet_stake_base_units")
    private let market = MarketMetrics()

    init(registry: PrometheusCollectorRegistry, peer: NetworkPeer, files: FileService?) {
        self.registry = registry
        self.peer = peer
        self.files = files
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("metrics") { _, _ in
            try await refreshStates()
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
    }

    private func refreshStates() async throws {
        connections.record(try await peer.transport.connectionCount().get())
        routingTable.record(try await peer.knownPeers().count)
        if let files {
            let store = files.provider.shards
            shardsHeld.record(try store.count())
            storedBytes.record(try store.used())
            capacityBytes.record(store.capacity)
            filesOwned.record(try files.index.files().count)
        }
        // The chain's states, asked of the machine at the scrape; a peer without the chain has none to show.
        let chain = PeerChain(peer: peer)
        if (try? chain.params()) != nil, let status = try? await chain.status(),
            let account = try? await chain.account(peer.identity.publicKey)
        {
            chainHeight.record(Int64(clamping: status.height))
            mempool.record(status.mempoolTransactions)
            peersInSync.record(status.peersInSync)
            votingPowerOnline.record(status.votingPowerOnline)
            balance.record(Int64(clamping: account.balance.baseUnits))
            stake.record(Int64(clamping: account.stake.baseUnits))
        }
        // The storage market's, on a network whose chain has one.
        if let snapshot = try? await PeerMarket(peer: peer).snapshot() { market.record(snapshot) }
    }
}
