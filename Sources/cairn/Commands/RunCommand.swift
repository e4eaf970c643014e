import ArgumentParser
import Foundation
import CairnAPI
import CairnChain
import CairnNet
import CairnPeer
import CairnStorage
import CairnWire
import Logging
import Metrics
import NIOPosix
import Prometheus
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a peer: join the network and serve the local API until SIGINT/SIGTERM.")

    @Option(help: "Data directory holding the identity, contacts and shards.")
    var data: String = DataDirectory.defaultRoot

    @Option(help: "TCP address to listen on for other peers (HOST:PORT).")
    var listen: String = "127.0.0.1:4100"

    @Option(help: "A bootstrap peer's address (HOST:PORT); repeatable. Defaults to the genesis file's list.")
    var bootstrap: [String] = []

    @Option(help: "Address of the local HTTP API (HOST:PORT).")
    var api: String = "127.0.0.1:5002"

    @Option(help: """
        Serve the dashboard (and the API it uses) on this address too (HOST:PORT), e.g. 127.0.0.1:3000; it is \
        always served at the root of the API address.
        """)
    var dashboard: String?

    @Option(help: """
        Another name the API answers to (NAME, or NAME:PORT), e.g. behind a proxy; repeatable. Requests for any \
        name but the API's address, localhost, 127.0.0.1 and [::1] are refused.
        """)
    var apiHost: [String] = []

    @Option(help: "Most space to give other peers' shards, e.g. 10GiB or 500MB; never more than the disk has free.")
    var capacity: String = "10GiB"

    @Option(help: """
        Price asked as a storage provider, in tokens per GiB per epoch (e.g. 0.01). On a network whose genesis \
        has a storage market and a faucet, a peer with capacity registers as a provider at this price, staking \
        the market's minimum. Default 0.01.
        """)
    var price: String?

    @Flag(help: "Do not register as a storage provider on your own (the peer still proves the agreements it has).")
    var noAutoRegister = false

    @Option(help: "Network parameters (genesis JSON). Defaults to the parameters built into cairn.")
    var genesis: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Log format on standard error: text, or json (one object per line, for log collectors).")
    var logFormat: String = "text"

    @Option(help: "Most API connections open at once; past it, the one waiting longest for a request makes room.")
    var apiMaxConnections: Int = APILimits().maxConnections

    @Option(help: "Seconds a new API connection has to send its request head before it is closed.")
    var apiHeaderTimeout: Double = 10

    @Option(help: "Seconds an API connection may stay silent between requests or within a request body.")
    var apiIdleTimeout: Double = 60
    @Option(help: """
        How long other peers' shards may stay pending (not confirmed by a stored file) before they are \
        reclaimed, e.g. 1h, 90s.
        """)
    var pendingGrace: String = "1h"

    /// Tests only: runs this peer's wall clock this many seconds ahead (negative: behind) of the system's.
    @Option(parsing: .unconditional, help: .hidden) var clockOffset: Int64 = 0

    func validate() throws {
        guard PeerAddress(parsing: listen) != nil else { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
        guard PeerAddress(parsing: api) != nil else { throw ValidationError("--api '\(api)' is not HOST:PORT") }
        if let dashboard {
            guard PeerAddress(parsing: dashboard) != nil else {
                throw ValidationError("--dashboard '\(dashboard)' is not HOST:PORT")
            }
            guard dashboard != api else {
                throw ValidationError("--dashboard must differ from --api: it is a second address")
            }
        }
        for name in apiHost where HostAuthority(parsing: name) == nil {
            throw ValidationError("--api-host '\(name)' is not a host name, NAME:PORT or [IPv6]:PORT")
        }
        for address in bootstrap where PeerAddress(parsing: address) == nil {
            throw ValidationError("--bootstrap '\(address)' is not HOST:PORT")
        }
        guard ByteSize.parse(capacity) != nil else {
            throw ValidationError("--capacity '\(capacity)' is not a size: use e.g. 10GiB, 500MiB, 2GB or a number of bytes")
        }
        guard apiMaxConnections >= 1 else {
            throw ValidationError("--api-max-connections must be at least 1, got \(apiMaxConnections)")
        }
        for (name, value) in [("--api-header-timeout", apiHeaderTimeout), ("--api-idle-timeout", apiIdleTimeout)]
        where !(value > 0 && value <= 86_400) {
            throw ValidationError("\(name) must be between 0 and 86400 seconds, got \(value)")
        }
        guard Self.duration(pendingGrace) != nil else {
            throw ValidationError(
                "--pending-grace '\(pendingGrace)' is not a duration: use e.g. 1h, 30m, 90s or a number of seconds")
        }
        guard ["text", "json"].contains(logFormat) else {
            throw ValidationError("--log-format '\(logFormat)' is not one of text, json")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        // First, before the peer allocates its long-lived state: see AllocatorTuning for the measurements.
        let allocator = AllocatorTuning.apply()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // Before any metric is made: handles made earlier would stay bound to the no-op backend.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "cairn")
        logAllocator(allocator, logger: logger)
        let (transportLimits, apiLimits) = try fileDescriptorLimits(logger: logger)
        if clockOffset != 0 { WallClock.skew(by: .seconds(clockOffset)) }
        let parameters = try genesis.map { try NetworkParameters.load(from: $0) } ?? .embedded
        let directory = DataDirectory(root: data)
        let identity = try IdentityStore(directory: directory).load(puzzleBits: parameters.puzzleBits)
        let contacts = try ContactStore(path: directory.databasePath)
        try FileManager.default.createDirectory(atPath: directory.shardsPath, withIntermediateDirectories: true)
        let shards = try ShardStore(root: directory.shardsPath, capacity: effectiveCapacity(directory.shardsPath))
        if shards.recovery.removedTemporaryFiles > 0 {
            logger.notice("removed \(shards.recovery.removedTemporaryFiles) temporary shard files left by a crash")
        }
        let blobs = try BlobStore(path: directory.root + "/blobs.sqlite")
        let files = try FileIndex(path: directory.root + "/files.sqlite")
        let chain = try ChainDisk(path: directory.chainDatabasePath)
        // Disk work blocks in fsync; several threads let group commits gather more shards.
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        let provider = ProviderDisk(shards: shards, blobs: blobs, pool: pool)
        let providerConfig = ProviderConfig(pendingGrace: Self.duration(pendingGrace) ?? ProviderConfig.defaultPendingGrace)
        let market = try marketAgent(parameters, capacity: shards.capacity)
        let bootstrapAddresses = (bootstrap.isEmpty ? parameters.bootstrap : bootstrap).compactMap(PeerAddress.init(parsing:))

        // One event loop: the peer's state is confined to it, and an idle peer stays small.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let peer = NetworkPeer(
            identity: identity,
            configuration: .init(listen: PeerAddress(parsing: listen)!, bootstrap: bootstrapAddresses,
                                 parameters: parameters, limits: transportLimits, dht: parameters.dhtConfig,
                                 provider: providerConfig, market: market),
            contacts: contacts, disk: provider, chain: chain, eventLoop: group.next(), logger: logger)
        let fileService = FileService(peer: peer, provider: provider, index: files, logger: logger)
        let address = try await peer.start()
        let apiAddress = PeerAddress(parsing: api)!
        let token = try apiToken(directory, logger: logger)
        let extraHosts = apiHost.compactMap { HostAuthority(parsing: $0) }
        let dashboardAddress = dashboard.flatMap(PeerAddress.init(parsing:))
        for (what, address) in [("API", apiAddress), ("dashboard", dashboardAddress)] {
            guard let address, !HostAuthority.isLoopback(address.host) else { continue }
            let message = "the \(what) listens on \(address.host), not a loopback address: other machines can reach "
                + "it; every request but the health check still needs the API token or a dashboard session, and "
                + "nothing encrypts them on the way (put a TLS proxy in front, and name it with --api-host)"
            logger.warning("\(message)")
        }
        let sessions = DashboardSessions(peerID: identity.peerID)
        let coding = CodingParameters(
            segmentSize: parameters.segmentBytes, k: parameters.erasureK, n: parameters.erasureN)
        // The API's address, and the dashboard's when given: the same routes, each with its own Host and Origin.
        let addresses = [apiAddress] + (dashboardAddress.map { [$0] } ?? [])
        let apps = addresses.map { address in
            APIServer.application(
                peer: peer, files: fileService, parameters: coding, host: address.host, port: Int(address.port),
                access: APIAccessPolicy(
                    token: token, bindHost: address.host, port: Int(address.port), extraHosts: extraHosts),
                metrics: metrics, limits: apiLimits, sessions: sessions, dashboardAddress: dashboard,
                eventLoopGroup: group, logger: logger)
        }
        let dashboardLine = dashboard.map { ", dashboard also on http://\($0)" } ?? ""
        // Written unbuffered so that the lines reach a log file at once.
        FileHandle.standardOutput.write(Data("""
            cairn peer \(identity.peerID.hex)
            listening on \(address), API and dashboard on http://\(apiAddress)\(dashboardLine)
            log in to the dashboard with the link `cairn dashboard --api \(apiAddress) --data \(data)` prints

            """.utf8))
        let services = ServiceGroup(
            configuration: .init(
                services: apps.map { .init(service: $0) } + [
                    .init(service: PeerService(peer: peer)),
                    .init(service: AllocatorTrimService(), successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await services.run()
        try await group.shutdownGracefully()
        try await pool.shutdownGracefully()
        try await chain.shutdown()
    }

    /// The data directory's API token; one is made when a directory from an older `cairn init` has none.
    func apiToken(_ directory: DataDirectory, logger: Logger) throws -> APIToken {
        let (token, created) = try APITokenFile.loadOrCreate(dataDirectory: directory.root)
        if created {
            logger.notice("wrote a new API token to \(APITokenFile.path(dataDirectory: directory.root)) (mode 0600)")
        }
        return token
    }

    /// Raises the open-file limit and shares it between the transport, the API and a reserve for the shard
    /// store and databases (issue 6, item 9); logs the figures.
    func fileDescriptorLimits(logger: Logger) throws -> (TransportLimits, APILimits) {
        let openFiles = OpenFileLimit.raise()
        var transport = TransportLimits()
        var api = APILimits(
            maxConnections: apiMaxConnections, headerTimeout: .nanoseconds(Int64(apiHeaderTimeout * 1e9)),
            idleTimeout: .nanoseconds(Int64(apiIdleTimeout * 1e9)))
        let budget = try FileDescriptorBudget(
            limit: openFiles.now, transport: transport.maxConnections, api: api.maxConnections)
        if budget.apiConnections < api.maxConnections || budget.transportConnections < transport.maxConnections {
            let message = "open-file limit \(openFiles.now) is too low for \(transport.maxConnections) peer and "
                + "\(api.maxConnections) API connections: cut to \(budget.transportConnections) and "
                + "\(budget.apiConnections); raise `ulimit -n` for more"
            logger.warning("\(message)")
        }
        transport.maxConnections = budget.transportConnections
        api.maxConnections = budget.apiConnections
        let figures = "open files: limit \(openFiles.now) (was \(openFiles.before)); up to "
            + "\(budget.transportConnections) peer connections and \(budget.apiConnections) API connections, "
            + "\(budget.reserved) kept for the shard store and databases; API header timeout \(apiHeaderTimeout) s, "
            + "idle timeout \(apiIdleTimeout) s"
        logger.info("\(figures)")
        return (transport, api)
    }

    private func logAllocator(_ outcome: AllocatorTuning.Outcome, logger: Logger) {
        switch outcome {
        case .applied(let settings):
            let arenas = settings.arenaMax.map { ", at most \($0) arenas" } ?? ""
            logger.info("allocator: blocks of \(settings.mmapThreshold >> 10) KiB and more mapped apart\(arenas)")
        case .leftToEnvironment(let tunables):
            logger.notice("allocator: left as GLIBC_TUNABLES sets it (\(tunables))")
        case .unsupported:
            logger.debug("allocator: not glibc's; its thresholds are left as they are")
        }
    }

    /// "90s", "30m", "1h", "2d" or a number of seconds.
    static func duration(_ text: String) -> Duration? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = text.last, let scale = units[last] {
            digits = digits.dropLast()
            unit = scale
        }
        guard let value = Int64(digits), value > 0, value <= Int64.max / unit / 1_000_000_000 else { return nil }
        return .seconds(value * unit)
    }

    /// The market agent's rules: registering on a network with a market and a faucet (a test network, where
    /// the stake comes from the faucet) when this peer offers capacity; nil otherwise.
    func marketAgent(_ parameters: NetworkParameters, capacity: UInt64) throws -> MarketAgentConfig? {
        guard let chain = parameters.chain, chain.market != nil else { return nil }
        var pricePerGiBEpoch = MarketAgentConfig.defaultPrice(decimals: chain.decimals)
        if let price {
            do {
                pricePerGiBEpoch = try Amount(parsing: price, decimals: chain.decimals)
            } catch {
                throw ValidationError("--price '\(price)' is not an amount of \(chain.tokenSymbol): \(error)")
            }
        }
        return MarketAgentConfig(
            autoRegister: !noAutoRegister && chain.faucet != nil && capacity > 0, capacityBytes: capacity,
            pricePerGiBEpoch: pricePerGiBEpoch)
    }

    /// The asked-for capacity, but never more than the disk holding the shards has free.
    func effectiveCapacity(_ path: String) throws -> UInt64 {
        let wanted = ByteSize.parse(capacity) ?? 0
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: path)
        let free = (attributes[.systemFreeSize] as? NSNumber)?.uint64Value ?? wanted
        return min(wanted, free)
    }
}
