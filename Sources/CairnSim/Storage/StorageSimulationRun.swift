import Foundation
import CairnChain
import CairnCrypto
import CairnMarket
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// One run of the storage scenario (`StorageSimulation`).
///
/// Set-up, all from the seed: the validators (peers 0..<V, no stores, never leaving), the providers (every
/// other peer: a `MarketAgent` that registers from its genesis balance, and memory stores), the fresh providers
/// the churn will bring (their identities funded in the genesis too, started when they join), and one owner
/// identity per file, which runs no peer. Each file's slots go to n distinct initial providers drawn from the
/// seed, its descriptor to them and to the file ID's closest providers (the keepers a `put` stores it at);
/// then the owners' `openAgreements` transactions are submitted to the validators.
///
/// Churn: at each market epoch boundary (once validator 0 has committed the next epoch), who leaves is drawn
/// up front from the seed (each live provider with probability P; as many join), so that the schedule is the
/// same with repair on and off. A leaving provider
/// crashes for good and its stores count as gone; a joining one starts with empty stores and registers itself.
struct StorageSimulationRun {
    let config: StorageSimulationConfig
    var simulator: PeerSimulator
    let identities: [Identity]
    let stores: [ProviderStores?]
    let files: [StoredSimFile]
    /// The provider index of each file's slots at the start: placement[file][slot].
    let placement: [[Int]]
    let owners: [Identity]
    let chainID: ChainID
    let params: ChainParameters
    let market: MarketParameters
    /// schedule[step]: who leaves and who joins at the step-th epoch boundary.
    var schedule: [(leave: [Int], join: [Int])]
    var joined: [Bool]
    let indexOf: [PublicKey: Int]
    /// Files that fell below k at some step, and the first step one did.
    var lost: [Bool]
    var firstLossStep: Int?

    var second: Int64 { 1_000_000_000 }
    /// Providers' stake, in minimum stakes.
    static let stakeMultiple: UInt64 = 5
    var epochNanoseconds: Int64 { Int64(market.epochBlocks) * Int64(params.blockIntervalMs) * 1_000_000 }

    init(config: StorageSimulationConfig) {
        self.config = config
        var random = SimRandom(seed: config.seed)
        let linkSalt = random.next()

        // The churn schedule first: it depends on the seed alone.
        var churnRandom = SimRandom(seed: random.next())
        var live = Array(config.validators..<config.peers)
        var next = config.peers
        var schedule: [(leave: [Int], join: [Int])] = []
        for _ in 0..<config.epochs {
            var staying: [Int] = []
            var leaving: [Int] = []
            for index in live {
                if config.churnPerEpoch > 0, churnRandom.nextUnit() < config.churnPerEpoch {
                    leaving.append(index)
                } else {
                    staying.append(index)
                }
            }
            let joining = Array(next..<next + leaving.count)
            next += leaving.count
            schedule.append((leaving, joining))
            live = staying + joining
        }
        self.schedule = schedule
        let total = next

        var identities: [Identity] = []
        identities.reserveCapacity(total)
        for _ in 0..<total {
            guard let identity = Identity(seed: random.nextBytes(Identity.seedByteCount)) else {
                preconditionFailure("a 32-byte seed always makes an identity")
            }
            identities.append(identity)
        }
        self.identities = identities
        var indexOf: [PublicKey: Int] = [:]
        for (index, identity) in identities.enumerated() { indexOf[identity.publicKey] = index }
        self.indexOf = indexOf
        var owners: [Identity] = []
        for _ in 0..<config.files {
            guard let owner = Identity(seed: random.nextBytes(Identity.seedByteCount)) else {
                preconditionFailure("a 32-byte seed always makes an identity")
            }
            owners.append(owner)
        }
        self.owners = owners

        // The genesis: the local network's chain and market rules, no faucet (every account is funded here).
        let oneToken: UInt64 = 1_000_000
        var params = ChainParameters.localNetwork
        params.faucet = nil
        var accounts: [String: Amount] = [:]
        var validators: [String: Amount] = [:]
        for index in 0..<config.validators {
            accounts[identities[index].publicKey.address] = Amount(1_000_000 * oneToken)
            validators[identities[index].publicKey.address] = params.minValidatorStake
        }
        for index in config.validators..<total {
            accounts[identities[index].publicKey.address] = Amount(10_000 * oneToken)
        }
        for owner in owners { accounts[owner.publicKey.address] = Amount(1_000 * oneToken) }
        params.initialAccounts = accounts
        params.initialValidators = validators
        guard let market = params.market else { preconditionFailure("the local network has a market") }
        self.params = params
        self.market = market
        let chainID = ChainID(SHA256.hash(Array("cairn sim storage \(config.seed)".utf8)))
        self.chainID = chainID
        let rules = LedgerRules(
            params: params, chainID: chainID, extensions: LedgerExtensions([MarketExtension(parameters: market)]))

        var machines: [PeerMachine] = []
        // One network, one genesis: its peers share the states their blocks lead to.
        let appliedBlocks = AppliedBlockMemo()
        var stores: [ProviderStores?] = []
        machines.reserveCapacity(total)
        for (index, identity) in identities.enumerated() {
            let isProvider = index >= config.validators
            var machineConfig = PeerMachineConfig(
                bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)],
                provider: isProvider ? ProviderConfig() : nil)
            // As `cairn sim chain`: upkeep every 10 s instead of every second changes no rule, only the cost.
            machineConfig.maintenanceInterval = .seconds(10)
            if isProvider {
                var agent = MarketAgentConfig(capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(10_000))
                // Five times the minimum stake, as an operator would put up: a provider staked at the bare
                // minimum drops below it at its first missed proof and is never chosen for a repair again.
                agent.stake = Amount(market.minProviderStake.baseUnits * Self.stakeMultiple)
                agent.selfRepair = config.repair
                machineConfig.market = agent
            }
            machines.append(PeerSimulator.peer(
                identity: identity, config: machineConfig, rules: rules, appliedBlocks: appliedBlocks))
            stores.append(
                isProvider
                    ? ProviderStores(shards: MemoryShardStore(capacity: 1 << 30), blobs: MemoryBlobStore()) : nil)
        }
        self.stores = stores

        // The files, and where a finished put would have left them.
        let parameters = CodingParameters(segmentSize: StorageSimulationConfig.segmentBytes, k: config.k, n: config.n)
        let initial = Array(config.validators..<config.peers)
        var files: [StoredSimFile] = []
        var placement: [[Int]] = []
        let keeperCount = max(3, config.n - config.k + 1)
        for fileIndex in 0..<config.files {
            let file: StoredSimFile
            do {
                file = try StoredSimFile.make(
                    bytes: config.fileBytes, parameters: parameters, owner: owners[fileIndex], random: &random)
            } catch {
                preconditionFailure("a seeded file always encodes: \(error)")
            }
            var pool = initial
            for i in 0..<config.n { pool.swapAt(i, i + random.nextInt(below: pool.count - i)) }
            let holders = Array(pool.prefix(config.n))
            let reference = ShardReference(file: file.fileID, owner: owners[fileIndex].peerID)
            for (slot, holder) in holders.enumerated() {
                for (segment, row) in file.shards.enumerated() {
                    do {
                        _ = try stores[holder]!.shards.write(
                            ByteBuffer(bytes: row[slot]), id: file.descriptor.shardIDs(ofSlot: slot)[segment],
                            reference: reference, confirmed: true, now: .zero)
                    } catch {
                        preconditionFailure("a memory store with room takes a shard: \(error)")
                    }
                }
            }
            let keepers = Self.closest(keeperCount, of: initial, to: file.fileID, identities: identities)
            let encoded = file.descriptor.encoded()
            for keeper in Set(holders + keepers) {
                try? stores[keeper]!.blobs.put(
                    kind: .descriptor, key: file.fileID, bytes: encoded, owner: owners[fileIndex].publicKey)
            }
            files.append(file)
            placement.append(holders)
        }
        self.files = files
        self.placement = placement

        let network = SimNetwork(peers: total, latencyMs: config.latencyMs, lossRate: 0, linkSalt: linkSalt)
        simulator = PeerSimulator(machines: machines, stores: stores, network: network, random: random)
        joined = Array(repeating: false, count: total)
        lost = Array(repeating: false, count: config.files)
    }

    /// The `count` peers of `candidates` whose PeerIDs are closest to `key`.
    static func closest(_ count: Int, of candidates: [Int], to key: Key256, identities: [Identity]) -> [Int] {
        var best: [(distance: Key256, index: Int)] = []
        for index in candidates {
            let distance = identities[index].peerID.distance(to: key)
            if best.count < count {
                best.append((distance, index))
                best.sort { $0.distance < $1.distance }
            } else if distance < best[count - 1].distance {
                best[count - 1] = (distance, index)
                best.sort { $0.distance < $1.distance }
            }
        }
        return best.map(\.index)
    }

    /// Makes provider `index` leave at churn step `step` besides the drawn churn, with no one joining in its
    /// place (tests: a loss that does not depend on the draw).
    mutating func forceLeave(_ index: Int, atStep step: Int) {
        precondition(index >= config.validators && index < config.peers && step < schedule.count)
        schedule[step].leave.append(index)
    }

    // MARK: - The run

    mutating func execute(progress: (String) -> Void) -> StorageSimulationReport {
        // Every initial peer joins through peer 0, as in `cairn sim dht`.
        let spacing = DHTSimulation.joinSpacing(peers: config.peers).nanosecondsClamped
        for index in 0..<config.peers {
            simulator.start(index, at: Int64(max(0, index - 1)) * spacing)
            joined[index] = true
        }
        let started = Int64(max(0, config.peers - 1)) * spacing
        simulator.run(until: started + 5 * second)
        progress("storage sim: \(config.peers) peers started at \(seconds(simulator.now)) s virtual")

        // Providers register on their own; wait until they all have (or a while, whichever first).
        var registered = 0
        let registrationCap = simulator.now + 120 * second
        while simulator.now < registrationCap {
            registered = snapshot()?.state.providers.count ?? 0
            if registered >= config.providers { break }
            simulator.run(until: simulator.now + second)
        }
        progress("storage sim: \(registered) providers registered at \(seconds(simulator.now)) s virtual")

        // The owners open their files' agreements, a batch a second so that the mempools keep up.
        let duration = UInt64(config.epochs) + 20 + UInt64(config.files / 1000)
        let batch = 1_000
        for fileIndex in files.indices {
            let file = files[fileIndex]
            let slots = placement[fileIndex].enumerated().map {
                SlotPlacement(slot: $0.offset, of: file.descriptor, provider: identities[$0.element].publicKey)
            }
            let open = SignedTransaction(
                signing: Transaction(
                    chainID: chainID, sender: owners[fileIndex].publicKey, nonce: 0, fee: params.minFee,
                    kind: MarketTransaction.openAgreements(
                        fileID: file.fileID, slots: slots, durationEpochs: duration)),
                with: owners[fileIndex])
            let at = simulator.now + Int64(fileIndex / batch) * second
            _ = simulator.command(.chain(.submit(open.encoded)), to: fileIndex % config.validators, at: at)
        }
        simulator.run(until: simulator.now + Int64(files.count / batch) * second)
        simulator.delivered.removeAll()
        var opened = 0
        let openCap = simulator.now + 120 * second
        while simulator.now < openCap {
            opened = snapshot()?.state.openAgreementIDs.count ?? 0
            if opened >= config.files * config.n { break }
            simulator.run(until: simulator.now + second)
        }
        let firstEpoch = snapshot()?.state.epoch ?? 0
        progress("storage sim: \(opened) agreements open at epoch \(firstEpoch), \(seconds(simulator.now)) s virtual")

        // Churn, one step per epoch.
        var left = 0
        var joinedCount = 0
        var epoch = firstEpoch
        let report = max(1, config.epochs / 10)
        for (step, churn) in schedule.enumerated() {
            for index in churn.leave { simulator.network.crash(index) }
            for index in churn.join {
                simulator.start(index, at: simulator.now)
                joined[index] = true
            }
            left += churn.leave.count
            joinedCount += churn.join.count
            // On to the next market epoch, however long the chain takes to get there.
            let deadline = simulator.now + 10 * epochNanoseconds
            while simulator.now < deadline {
                simulator.run(until: simulator.now + second / 2)
                guard let state = snapshot()?.state, state.epoch > epoch else { continue }
                epoch = state.epoch
                track(state, step: step)
                break
            }
            if (step + 1) % report == 0 || step + 1 == config.epochs {
                progress("storage sim: step \(step + 1)/\(config.epochs), \(left) left, "
                    + "\(lost.filter { $0 }.count) files below k, \(simulator.handledEvents) events, "
                    + "\(seconds(simulator.now)) s virtual")
            }
        }
        guard let final = snapshot() else { preconditionFailure("validator 0 never leaves and always answers") }
        return measure(final.state, firstEpoch: firstEpoch, opened: opened, registered: registered,
                       left: left, joined: joinedCount)
    }

    /// Validator 0's committed market, read through the same local command `cairn market` sends.
    mutating func snapshot() -> MarketSnapshot? {
        let asked = simulator.command(.market(.snapshot), to: 0, at: simulator.now)
        simulator.run(until: simulator.now)
        defer { simulator.delivered.removeAll() }
        guard case .market(.snapshot(let snapshot))? = simulator.delivered.first(where: { $0.command == asked })?.result
        else { return nil }
        return snapshot
    }

    func seconds(_ nanoseconds: Int64) -> String { SimFormat.fixed(Double(nanoseconds) / 1e9, 1) }

    // MARK: - Measurements

    /// Slots of each file held at its k-threshold: a slot counts when a live provider that held it at the start
    /// or under any agreement for it has every one of its shards.
    func heldSlots(of fileIndex: Int, agreements: [StorageAgreement]) -> Int {
        let file = files[fileIndex]
        var held = 0
        for slot in 0..<config.n {
            var candidates = [placement[fileIndex][slot]]
            for agreement in agreements where Int(agreement.slot) == slot {
                if let index = indexOf[agreement.provider], !candidates.contains(index) { candidates.append(index) }
            }
            let ids = file.descriptor.shardIDs(ofSlot: slot)
            let holds = candidates.contains { index in
                guard joined[index], !simulator.network.crashed[index], let store = stores[index] else { return false }
                return (try? store.shards.contains(ids).allSatisfy { $0 }) ?? false
            }
            if holds { held += 1 }
        }
        return held
    }

    func agreementsByFile(_ state: MarketState) -> [Key256: [StorageAgreement]] {
        var byFile: [Key256: [StorageAgreement]] = [:]
        for agreement in state.agreements.values { byFile[agreement.fileID, default: []].append(agreement) }
        return byFile
    }

    mutating func track(_ state: MarketState, step: Int) {
        let byFile = agreementsByFile(state)
        for fileIndex in files.indices where !lost[fileIndex] {
            if heldSlots(of: fileIndex, agreements: byFile[files[fileIndex].fileID] ?? []) < config.k {
                lost[fileIndex] = true
                if firstLossStep == nil { firstLossStep = step }
            }
        }
    }

    func measure(_ state: MarketState, firstEpoch: UInt64, opened: Int, registered: Int, left: Int, joined: Int)
        -> StorageSimulationReport
    {
        let byFile = agreementsByFile(state)
        let filesLost = files.indices.filter {
            heldSlots(of: $0, agreements: byFile[files[$0].fileID] ?? []) < config.k
        }.count
        var proofsOK = 0
        var proofsMissed = 0
        var paid: UInt64 = 0
        var penalties: UInt64 = 0
        var repaired = 0
        var awaiting = 0
        let fileIDs = Set(files.map(\.fileID))
        for agreement in state.agreements.values where fileIDs.contains(agreement.fileID) {
            proofsOK += Int(agreement.proofsOK)
            proofsMissed += Int(agreement.proofsMissed)
            paid += agreement.paidTotal.baseUnits
            penalties += agreement.penaltiesTotal.baseUnits
            // No owner ends an agreement here: an ended one was replaced by a repair.
            if agreement.state == .ended { repaired += 1 }
            if agreement.state == .repairNeeded { awaiting += 1 }
        }
        return StorageSimulationReport(
            peers: config.peers, validators: config.validators, files: config.files, epochs: config.epochs,
            seed: config.seed, churnPerEpoch: config.churnPerEpoch, repair: config.repair, k: config.k, n: config.n,
            slotBytes: files.first?.slotBytes ?? 0, epochSeconds: Double(epochNanoseconds) / 1e9,
            providersRegistered: registered, agreementsOpened: opened, firstEpoch: firstEpoch, lastEpoch: state.epoch,
            providersLeft: left, providersJoined: joined, filesLost: filesLost, firstLossStep: firstLossStep,
            slotsRepaired: repaired, slotsAwaitingRepair: awaiting,
            repairBytes: simulator.shardBytesWritten + simulator.rebuildSourceBytes,
            proofsOK: proofsOK, proofsMissed: proofsMissed, payments: paid, penalties: penalties,
            expectedLostWithoutRepair: StorageDurabilityModel.expectedLost(
                files: config.files, k: config.k, n: config.n, churnPerEpoch: config.churnPerEpoch,
                epochs: config.epochs),
            events: simulator.handledEvents, messages: simulator.messages,
            virtualSeconds: Double(simulator.now) / 1e9, wallSeconds: 0, eventsPerSecond: 0)
    }
}

/// Number formatting for progress lines.
enum SimFormat {
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
