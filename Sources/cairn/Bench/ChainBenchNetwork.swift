import CairnChain
import CairnCrypto
import CairnNet
import CairnPeer
import CairnWire
import Foundation
import Logging
import NIOCore

/// Local networks of real peers for `cairn bench chain`: each a `NetworkPeer` on loopback with its own SQLite
/// chain store, on a network whose genesis lists validators this process holds the keys of.
struct ChainBenchNetwork {
    let group: EventLoopGroup
    let directory: String
    let logger: Logger

    struct CommitFigures {
        var blockIntervalMs: UInt64
        var intervals: LatencySummary
        var submitToCommit: LatencySummary
    }

    struct SyncFigures {
        var blocksPerSecond: Double
        /// From the fresh peer's start to its first request: how long it took to hear of a higher height.
        var discoverySeconds: Double
    }

    /// Accounts funded at genesis that sign the transfers.
    static let senders = (0..<100).map { index in
        Identity(seed: SHA256.hash(Array("cairn-bench-chain-sender-\(index)".utf8)).bytes)!
    }

    /// The bench network's genesis: the local test network's chain rules, `validators` as its validators, and
    /// `senders` funded.
    static func parameters(name: String, validators: [Identity]) -> NetworkParameters {
        var chain = ChainParameters.localTestnet
        let oneToken: UInt64 = 1_000_000
        chain.initialAccounts = Dictionary(
            uniqueKeysWithValues: (validators + senders).map { ($0.publicKey.address, Amount(1_000_000 * oneToken)) })
        chain.initialValidators = Dictionary(
            uniqueKeysWithValues: validators.map { ($0.publicKey.address, Amount(1_000 * oneToken)) })
        var parameters = NetworkParameters.embedded
        parameters.network = name
        parameters.bootstrap = []
        parameters.chain = chain
        return parameters
    }

    func startPeer(
        _ identity: Identity, port: Int, bootstrap: [PeerAddress], parameters: NetworkParameters, store: String
    ) async throws -> (NetworkPeer, ChainDisk) {
        let disk = try ChainDisk(path: "\(directory)/\(store).sqlite")
        let peer = NetworkPeer(
            identity: identity,
            configuration: .init(
                listen: PeerAddress(host: "127.0.0.1", port: UInt16(port)), bootstrap: bootstrap,
                parameters: parameters),
            contacts: nil, chain: disk, eventLoop: group.next(), logger: logger)
        _ = try await peer.start()
        return (peer, disk)
    }

    static func status(of peer: NetworkPeer) async throws -> ChainStatus {
        guard case .chain(.status(let status)) = try await peer.perform(.chain(.status)) else {
            throw CLIError("the peer does not run the chain")
        }
        return status
    }

    static func stop(_ peers: [(NetworkPeer, ChainDisk)]) async {
        for (peer, _) in peers { await peer.stop() }
        // Writes the machines asked for just before they stopped are let finish before the disks' threads stop.
        try? await Task.sleep(for: .milliseconds(300))
        for (_, disk) in peers { try? await disk.shutdown() }
    }

    // MARK: Commit latency

    /// Starts `count` validators, lets them commit, then times `blocks` consecutive commits as validator 0 sees
    /// them, while transfers submitted to it at random moments are timed until their recipient's balance shows
    /// them committed.
    func commitLatency(validators count: Int, blocks: Int, basePort: Int, verbose: Bool) async throws
        -> CommitFigures
    {
        let identities = (0..<count).map { _ in Identity.generate(puzzleBits: NetworkParameters.embedded.puzzleBits) }
        let parameters = Self.parameters(name: "cairn-bench-chain-commit", validators: identities)
        let interval = parameters.chain!.blockIntervalMs
        var peers: [(NetworkPeer, ChainDisk)] = []
        do {
            let bootstrap = PeerAddress(host: "127.0.0.1", port: UInt16(basePort))
            for (index, identity) in identities.enumerated() {
                peers.append(
                    try await startPeer(
                        identity, port: basePort + index, bootstrap: index == 0 ? [] : [bootstrap],
                        parameters: parameters, store: "validator-\(index)"))
            }
            let observer = peers[0].0
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60 + Int64(blocks) * Int64(interval) / 1000 * 4)
            // Warm-up: every validator connected and committing.
            while try await Self.status(of: observer).height < 2 {
                guard clock.now < deadline else { throw CLIError("the validators committed nothing in time") }
                try await Task.sleep(for: .milliseconds(20))
            }
            if verbose { print("commit: \(count) validators committing, timing \(blocks) blocks") }
            let sender = Self.senders[0]
            var nonce = UInt64(0)
            var lastHeight = try await Self.status(of: observer).height
            var lastCommit: ContinuousClock.Instant?
            var gaps: [Double] = []
            var latencies: [Double] = []
            var pending: (recipient: PublicKey, submitted: ContinuousClock.Instant)?
            var nextSubmission = clock.now + .milliseconds(Int64.random(in: 0..<Int64(interval)))
            while gaps.count < blocks {
                guard clock.now < deadline else { throw CLIError("the validators stopped committing") }
                let height = try await Self.status(of: observer).height
                let now = clock.now
                if height > lastHeight {
                    if let lastCommit { gaps.append((now - lastCommit).millisecondsDouble) }
                    lastCommit = now
                    lastHeight = height
                }
                if let transfer = pending {
                    guard
                        case .chain(.account(let account)) = try await observer.perform(
                            .chain(.account(transfer.recipient)))
                    else { throw CLIError("the peer does not run the chain") }
                    if account.balance > .zero {
                        latencies.append((now - transfer.submitted).millisecondsDouble)
                        pending = nil
                        nextSubmission = now + .milliseconds(Int64.random(in: 0..<Int64(interval)))
                    }
                } else if now >= nextSubmission {
                    let recipient = Identity.generate().publicKey
                    let tx = SignedTransaction(
                        signing: Transaction(
                            chainID: parameters.chainID, sender: sender.publicKey, nonce: nonce,
                            fee: parameters.chain!.minFee, kind: .transfer(to: recipient, amount: Amount(1))),
                        with: sender)
                    guard case .chain(.submitted(.success)) = try await observer.perform(.chain(.submit(tx.encoded)))
                    else { throw CLIError("the validator refused a transfer") }
                    nonce += 1
                    pending = (recipient, clock.now)
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            await Self.stop(peers)
            return CommitFigures(
                blockIntervalMs: interval, intervals: LatencySummary(gaps),
                submitToCommit: LatencySummary(latencies.isEmpty ? [0] : latencies))
        } catch {
            await Self.stop(peers)
            throw error
        }
    }

    // MARK: Sync

    /// Stores a chain of `blocks` blocks of `txsPerBlock` transfers, committed by a validator this process holds
    /// the key of, on `servers` peers; starts a fresh peer that joins them and times it until it has synced every
    /// block through `ChainMachine`'s `BlockSync` (each commit verified, each batch written to its SQLite store).
    func sync(blocks: Int, txsPerBlock: Int, servers: Int, basePort: Int, verbose: Bool) async throws
        -> SyncFigures
    {
        // The validator never runs: the chain stands still at `blocks` while the fresh peer catches up.
        let validator = Identity.generate(puzzleBits: NetworkParameters.embedded.puzzleBits)
        let parameters = Self.parameters(name: "cairn-bench-chain-sync", validators: [validator])
        let clock = ContinuousClock()
        let generating = clock.now
        let tip = try storeChain(
            blocks: blocks, txsPerBlock: txsPerBlock, validator: validator, parameters: parameters,
            stores: (0..<servers).map { "server-\($0)" })
        if verbose {
            print(
                String(
                    format: "sync: %d blocks of %d transfers generated and stored on %d peers in %.1f s",
                    blocks, txsPerBlock, servers, (clock.now - generating).secondsDouble))
        }
        var peers: [(NetworkPeer, ChainDisk)] = []
        do {
            let bootstrap = PeerAddress(host: "127.0.0.1", port: UInt16(basePort))
            for index in 0..<servers {
                peers.append(
                    try await startPeer(
                        Identity.generate(puzzleBits: parameters.puzzleBits), port: basePort + index,
                        bootstrap: index == 0 ? [] : [bootstrap], parameters: parameters, store: "server-\(index)"))
                guard try await Self.status(of: peers[index].0).height == Height(blocks) else {
                    throw CLIError("a serving peer did not restore the \(blocks) stored blocks")
                }
            }
            let started = clock.now
            let fresh = try await startPeer(
                Identity.generate(puzzleBits: parameters.puzzleBits), port: basePort + servers,
                bootstrap: [bootstrap], parameters: parameters, store: "fresh")
            peers.append(fresh)
            var syncing: ContinuousClock.Instant?
            var status = try await Self.status(of: fresh.0)
            while status.height < Height(blocks) {
                guard clock.now < started + .seconds(120 + Int64(blocks / 100)) else {
                    throw CLIError("the fresh peer synced \(status.height) of \(blocks) blocks in time")
                }
                try await Task.sleep(for: .milliseconds(2))
                status = try await Self.status(of: fresh.0)
                if syncing == nil, status.bestKnownHeight > 0 { syncing = clock.now }
            }
            let finished = clock.now
            guard status.tip == tip else { throw CLIError("the fresh peer synced a different chain") }
            let begin = syncing ?? started
            if verbose {
                print(
                    String(
                        format: "sync: heard of height %d after %.1f s, synced it in %.2f s",
                        blocks, (begin - started).secondsDouble, (finished - begin).secondsDouble))
            }
            await Self.stop(peers)
            return SyncFigures(
                blocksPerSecond: Double(blocks) / max((finished - begin).secondsDouble, 1e-9),
                discoverySeconds: (begin - started).secondsDouble)
        } catch {
            await Self.stop(peers)
            throw error
        }
    }

    /// Generates the chain and appends it to each store named, in batches; returns its tip.
    private func storeChain(
        blocks: Int, txsPerBlock: Int, validator: Identity, parameters: NetworkParameters, stores names: [String]
    ) throws -> Key256 {
        let rules = parameters.ledgerRules!
        var generator = try CommittedChainGenerator(rules: rules, validators: [validator], senders: Self.senders)
        let stores = try names.map { try ChainStore(path: "\(directory)/\($0).sqlite") }
        let interval = rules.params.blockIntervalMs
        let startMs = UInt64(Date().timeIntervalSince1970 * 1000) - UInt64(blocks + 1) * interval
        var batch: [StoredBlock] = []
        for index in 0..<blocks {
            batch.append(generator.nextBlock(transfers: txsPerBlock, timeMs: startMs + UInt64(index) * interval))
            if batch.count == 500 || index == blocks - 1 {
                for store in stores { try store.append(contentsOf: batch) }
                batch.removeAll(keepingCapacity: true)
            }
        }
        return generator.state.lastBlockHash
    }
}
