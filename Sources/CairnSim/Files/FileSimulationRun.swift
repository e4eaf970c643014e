import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire

/// One run of the file scenario (`FileSimulation`): the peers, the files, and the phases — join, puts, crashes,
/// gets — each run on the virtual clock until every file has settled or the phase's deadline passes.
struct FileSimulationRun {
    let config: FileSimulationConfig
    /// Virtual time between two operations' starts, in nanoseconds.
    let spacing: Int64
    /// The code every file is put with: 4 MiB segments, k-of-n, fitted to the file's size as `cairn put` fits
    /// an upload whose length it knows.
    let parameters: CodingParameters
    var simulator: PeerSimulator
    var files: [SimulatedFile] = []
    /// The file each command in flight belongs to.
    var fileOfCommand: [CommandID: Int] = [:]
    /// Files whose current phase (put or get) has ended, well or not.
    var settled = 0
    /// Peers crashed by the scenario.
    private(set) var crashed: [Int] = []

    /// Virtual time given to the last joins to finish before the first put.
    static let joinSettle: Int64 = 30_000_000_000
    /// Virtual time after the last put (or get) starts by which every one has ended; a put or get that waits
    /// on many request timeouts in a row stays well inside it.
    static let operationDeadline: Int64 = 600_000_000_000
    /// Room each provider offers: far more than any scenario fills, so that no put fails for room (a synthetic
    /// store counts the lengths its tokens stand for; a real one holds the bytes in memory).
    static let providerCapacity: UInt64 = 1 << 40
    /// How often every peer runs its DHT upkeep: as in `cairn sim dht`, 10 s instead of 1 s changes no rule,
    /// only the cost.
    static let tickInterval: Duration = .seconds(10)

    init(config: FileSimulationConfig, spacing: Int64) {
        self.config = config
        self.spacing = spacing
        parameters = CodingParameters(segmentSize: CodingParameters.default.segmentSize, k: config.k, n: config.n)
            .fitted(toExpectedSize: UInt64(config.size))
        var random = SimRandom(seed: config.seed)
        let network = SimNetwork(peers: config.peers, latencyMs: config.latencyMs, lossRate: config.lossRate,
                                 linkSalt: random.next())
        var machines: [PeerMachine] = []
        var stores: [ProviderStores?] = []
        machines.reserveCapacity(config.peers)
        stores.reserveCapacity(config.peers)
        for index in 0..<config.peers {
            guard let identity = Identity(seed: random.nextBytes(Identity.seedByteCount)) else {
                preconditionFailure("a 32-byte seed always makes an identity")
            }
            // Peer 0 is the bootstrap peer; everyone else joins through its address, as `cairn run` does. Every
            // peer is a provider.
            var machineConfig = PeerMachineConfig(
                bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)], provider: ProviderConfig())
            machineConfig.maintenanceInterval = Self.tickInterval
            machines.append(PeerMachine(identity: identity, config: machineConfig))
            let shards: any ShardStoring = config.payload == .real
                ? MemoryShardStore(capacity: Self.providerCapacity)
                : SyntheticShardStore(capacity: Self.providerCapacity)
            stores.append(ProviderStores(shards: shards, blobs: MemoryBlobStore()))
        }
        simulator = PeerSimulator(machines: machines, stores: stores, network: network, random: random)
        join()
    }

    /// Every peer starts, one every `DHTSimulation.joinSpacing`, and the joins settle.
    private mutating func join() {
        let joinSpacing = DHTSimulation.joinSpacing(peers: config.peers).nanosecondsClamped
        for index in 0..<config.peers {
            simulator.start(index, at: Int64(Swift.max(0, index - 1)) * joinSpacing)
        }
        simulator.run(until: Int64(config.peers - 1) * joinSpacing + Self.joinSettle)
    }

    // MARK: - Phases

    /// Puts every file from a random peer, `spacing` apart, and runs until each put has ended.
    mutating func putAll() {
        let first = simulator.now
        files.reserveCapacity(config.files)
        for index in 0..<config.files {
            let uploader = simulator.random.nextInt(below: config.peers)
            guard let fileKey = FileKey(bytes: simulator.random.nextBytes(FileKey.byteCount)) else {
                preconditionFailure("32 bytes always make a file key")
            }
            let order = PutOrder(parameters: parameters, fileKey: fileKey, fileNonce: simulator.random.nextKey(),
                                 name: "sim-file-\(index)",
                                 sealingSeed: simulator.random.nextBytes(SealedBox.ephemeralSeedByteCount))
            files.append(SimulatedFile(uploader: uploader, order: order, fileSize: UInt64(config.size),
                                       contentSeed: simulator.random.next()))
            let id = simulator.command(.startPut(order), to: uploader, at: first + Int64(index) * spacing)
            files[index].operation = id
            fileOfCommand[id] = index
        }
        drive(until: first + Int64(config.files) * spacing + Self.operationDeadline, expecting: config.files)
        abandonUnsettled()
    }

    /// Crashes a share `churn` of all the peers, chosen at random.
    mutating func crashAtRandom() {
        var order = Array(0..<config.peers)
        let count = Int((config.churn * Double(config.peers)).rounded(.down))
        for i in 0..<count {
            order.swapAt(i, i + simulator.random.nextInt(below: order.count - i))
        }
        crash(Array(order.prefix(count)))
    }

    /// Crashes `peers` silently: they drop everything from now on.
    mutating func crash(_ peers: [Int]) {
        for peer in peers where !simulator.network.crashed[peer] {
            simulator.network.crash(peer)
            crashed.append(peer)
        }
    }

    /// After `settleSeconds` of upkeep, gets every stored file from a random live peer other than its uploader,
    /// with its read capability, `spacing` apart, and runs until each get has ended.
    mutating func getAll() {
        let first = simulator.now + Int64((config.settleSeconds * 1e9).rounded())
        let live = (0..<config.peers).filter { !simulator.network.crashed[$0] }
        var started = 0
        for index in files.indices where files[index].putOK {
            let candidates = live.count - (simulator.network.crashed[files[index].uploader] ? 0 : 1)
            guard candidates > 0, let fileID = files[index].fileID else {
                files[index].failure = "no live peer but its uploader is left to get it"
                continue
            }
            var reader = files[index].uploader
            while reader == files[index].uploader { reader = live[simulator.random.nextInt(below: live.count)] }
            files[index].reader = reader
            files[index].phase = .locating
            // As `cairn get` opens a file (`FileService.open`): only contested placement records are checked.
            let order = LocateOrder(fileID: fileID, descriptor: nil, grantKey: nil, signatures: .contested)
            let id = simulator.command(.locateFile(order), to: reader, at: first + Int64(started) * spacing)
            fileOfCommand[id] = index
            started += 1
        }
        simulator.run(until: first)
        drive(until: first + Int64(started) * spacing + Self.operationDeadline, expecting: started)
        abandonUnsettled()
    }

    /// Files whose put or get outlived its phase's deadline count as failed, and their later results are
    /// ignored.
    private mutating func abandonUnsettled() {
        for index in fileOfCommand.values {
            switch files[index].phase {
            case .startingPut, .feeding, .finishingPut:
                files[index].failure = files[index].failure ?? "the put did not finish before the deadline"
                files[index].phase = .stored
            case .endingGet where files[index].getOK:
                // Every segment checked out; only the machine's answer to `endGet` is missing.
                files[index].phase = .done
            case .locating, .startingGet, .fetching, .endingGet:
                files[index].failure = files[index].failure ?? "the get did not finish before the deadline"
                files[index].getOK = false
                files[index].phase = .done
            case .stored, .done:
                break
            }
            files[index].encoder = nil
            files[index].layout = nil
            files[index].decoder = nil
        }
        fileOfCommand.removeAll()
    }

    /// Runs the simulation, answering every command result as `FileService` would, until `expecting` files have
    /// settled or `deadline` passes.
    private mutating func drive(until deadline: Int64, expecting: Int) {
        settled = 0
        var batch: [(node: Int, command: CommandID, result: PeerCommandResult)] = []
        while settled < expecting {
            simulator.run(until: deadline) { !$0.delivered.isEmpty }
            if simulator.delivered.isEmpty { break }
            swap(&batch, &simulator.delivered)
            for delivered in batch { handle(delivered.result, of: delivered.command, at: delivered.node) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Sends `command` for file `index` to peer `node` now.
    mutating func send(_ command: PeerCommand, for index: Int, to node: Int) {
        let id = simulator.command(command, to: node, at: simulator.now)
        fileOfCommand[id] = index
        if case .startGet = command { files[index].operation = id }
    }

    // MARK: - Measurements

    func report() -> FileSimulationReport {
        let putsOK = files.count(where: { $0.putOK })
        let getsOK = files.count(where: { $0.getOK })
        let segments = parameters.segmentCount(forFileSize: UInt64(config.size))
        // The descriptor's keepers: n−k+1 and never fewer than 3 (`PutOperation.blobReplicas`).
        let keepers = Swift.max(3, config.n - config.k + 1)
        return FileSimulationReport(
            peers: config.peers, files: config.files, seed: config.seed, churn: config.churn, size: config.size,
            payload: config.payload, k: config.k, n: config.n, putsOK: putsOK, getsOK: getsOK,
            readableFraction: putsOK == 0 ? 0 : Double(getsOK) / Double(putsOK),
            readableExpected: FileAvailability.fileReadable(
                k: config.k, n: config.n, segments: segments, descriptorReplicas: keepers, churn: config.churn),
            messages: simulator.messages, virtualSeconds: Double(simulator.now) / 1e9, wallSeconds: 0,
            peakRSSMiB: 0)
    }
}
