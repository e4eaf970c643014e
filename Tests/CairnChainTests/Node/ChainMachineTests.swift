import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct ChainMachineTests {
    @Test func fourValidatorsCommitAndFollowersKeepUp() throws {
        var network = try ChainNetwork(validators: 4, followers: 2)
        network.run(until: network.now + .seconds(20))
        let heights = network.order.map { network.height(of: $0) }
        #expect(heights.allSatisfy { $0 >= 10 }, "heights after 20 s: \(heights)")
        #expect(Set(heights).count <= 2, "every peer within a block of the others: \(heights)")
        let tips = Set(network.order.map { network.machines[$0]!.ledger.height == heights.min()! ? network.machines[$0]!.tip : nil }.compactMap { $0 })
        #expect(tips.count == 1)
        #expect(network.safetyViolations == 0)
    }

    /// A transfer of 5,000,000 base units from the first genesis account to a new key, signed for `follower`'s
    /// next nonce.
    static func transfer(on network: ChainNetwork, at follower: PeerID) -> (tx: SignedTransaction, to: PublicKey) {
        let sender = ChainParameters.localTestnetIdentity(0)
        let recipient = Identity.generate().publicKey
        let tx = SignedTransaction(
            signing: Transaction(
                chainID: network.rules.chainID, sender: sender.publicKey,
                nonce: network.machines[follower]!.nextNonce(of: sender.publicKey), fee: Amount(1_000),
                kind: .transfer(to: recipient, amount: Amount(5_000_000))),
            with: sender)
        return (tx, recipient)
    }

    @Test func aTransferSubmittedOnAFollowerIsCommittedEverywhere() throws {
        var network = try ChainNetwork(validators: 4, followers: 2)
        network.run(until: network.now + .seconds(3))
        let follower = network.order.last!
        let (tx, recipient) = Self.transfer(on: network, at: follower)
        let hash = try network.machines[follower]!.submit(tx.encoded).get()
        #expect(hash == tx.hash)
        network.collect(follower)
        network.run(until: network.now + .seconds(5))
        for peer in network.order {
            #expect(network.machines[peer]!.ledger.balance(of: recipient) == Amount(5_000_000))
        }
        // The same signed transaction again is refused, on any peer, and changes nothing.
        guard case .failure(let refusal) = network.machines[follower]!.submit(tx.encoded) else {
            Issue.record("a replayed transaction was accepted")
            return
        }
        #expect("\(refusal)".contains("nonce"))
    }

    /// The announcement of a transaction is lost (dropped here with the follower's actions): the follower
    /// announces it again at its next regossip ticks, and it is committed; once it is, nothing more is sent.
    @Test func aTransactionWhoseAnnouncementIsLostIsAnnouncedAgainUntilCommitted() throws {
        var network = try ChainNetwork(validators: 4, followers: 1)
        network.run(until: network.now + .seconds(3))
        let follower = network.order.last!
        let (tx, recipient) = Self.transfer(on: network, at: follower)
        _ = try network.machines[follower]!.submit(tx.encoded).get()
        let lost = network.machines[follower]!.takeActions()
        #expect(lost.contains { if case .announce(.transactionsAvailable([tx.hash]), _) = $0 { true } else { false } })
        network.run(until: network.now + .seconds(6))
        for peer in network.order {
            #expect(network.machines[peer]!.ledger.balance(of: recipient) == Amount(5_000_000))
        }
        #expect(network.machines[follower]!.ownTransactions.isEmpty, "forgotten once committed")
    }

    /// A follower's two transactions wait in its mempool, their announcements lost; another peer of the same
    /// account spends the first one's nonce and most of the balance, and a block takes that instead. Neither of
    /// the follower's applies any more: both are reported dropped, in nonce order, and forgotten.
    @Test func ownTransactionsABlockLeftOutOfTheMempoolAreReportedDropped() throws {
        var network = try ChainNetwork(validators: 4, followers: 2)
        network.run(until: network.now + .seconds(3))
        let (follower, other) = (network.order[4], network.order[5])
        let sender = ChainParameters.localTestnetIdentity(0)
        let balance = network.machines[follower]!.ledger.balance(of: sender.publicKey)
        func transfer(nonce: UInt64, amount: Amount) -> SignedTransaction {
            SignedTransaction(
                signing: Transaction(
                    chainID: network.rules.chainID, sender: sender.publicKey, nonce: nonce, fee: Amount(1_000),
                    kind: .transfer(to: Identity.generate().publicKey, amount: amount)),
                with: sender)
        }
        let nonce = network.machines[follower]!.nextNonce(of: sender.publicKey)
        let first = transfer(nonce: nonce, amount: Amount(5_000_000))
        let second = transfer(nonce: nonce + 1, amount: Amount(5_000_000))
        _ = try network.machines[follower]!.submit(first.encoded).get()
        _ = try network.machines[follower]!.submit(second.encoded).get()
        _ = network.machines[follower]!.takeActions()
        let spending = transfer(nonce: nonce, amount: try balance.subtracting(Amount(5_000_000)))
        _ = try network.machines[other]!.submit(spending.encoded).get()
        network.collect(other)
        network.run(until: network.now + .seconds(6))
        #expect(network.machines[follower]!.ledger.nextNonce(of: sender.publicKey) == nonce + 1)
        #expect(network.dropped[follower]?.map(\.hash) == [first.hash, second.hash])
        #expect(network.dropped[other] == nil, "a transaction a block took is not dropped")
        #expect(network.machines[follower]!.ownTransactions.isEmpty)
    }

    /// The blocks kept in memory for syncing peers are bounded in bytes as well as in count, the oldest going
    /// first; the newest stays whatever its size.
    @Test func recentBlocksAreBoundedInBytes() throws {
        var config = ChainMachineConfig()
        config.recentBlocks = 10
        config.recentBlockBytes = 250
        let identity = Identity.generate()
        var machine = try ChainMachine(
            rules: ChainStatusFanoutTests.rules, identity: identity, localPeer: identity.peerID, config: config)
        func entry(_ bytes: Int) -> ChainMachine.RecentBlock {
            ChainMachine.RecentBlock(
                hash: Random.key256(), block: ByteBuffer(repeating: 0, count: bytes), commit: ByteBuffer())
        }
        for height in Height(1)...5 { machine.remember(entry(100), at: height) }
        #expect(Set(machine.recent.keys) == [4, 5])
        #expect(machine.recentBytes == 200)
        machine.remember(entry(1_000), at: 6)
        #expect(Set(machine.recent.keys) == [6])
        #expect(machine.recentBytes == 1_000)
        for height in Height(7)...20 { machine.remember(entry(1), at: height) }
        #expect(Set(machine.recent.keys) == Set(11...20), "ten blocks at most")
    }

    @Test func oneValidatorDownTheChainGoesOnTwoDownItHaltsAndResumes() throws {
        var network = try ChainNetwork(validators: 4, followers: 1)
        network.run(until: network.now + .seconds(5))
        let validators = Array(network.order.prefix(4))
        network.down.insert(validators[3])
        let before = network.height(of: validators[0])
        network.run(until: network.now + .seconds(10))
        let withThree = network.height(of: validators[0])
        #expect(withThree > before + 3, "three of four validators keep committing: \(before) → \(withThree)")
        network.down.insert(validators[2])
        network.run(until: network.now + .seconds(3))
        let halted = network.height(of: validators[0])
        network.run(until: network.now + .seconds(10))
        #expect(network.height(of: validators[0]) == halted, "two of four validators commit nothing")
        // Validator 2 comes back from its disk: it syncs and the chain resumes, with no fork.
        network.down.remove(validators[2])
        try network.add(network.identities[validators[2]]!, restoring: true)
        network.start(validators[2])
        network.run(until: network.now + .seconds(15))
        #expect(network.height(of: validators[0]) > halted + 3)
        #expect(network.safetyViolations == 0)
    }
}

@Suite struct ChainStatusFanoutTests {
    static let rules = LedgerRules(params: .localTestnet, chainID: ChainID(SHA256.hash(Array("fanout".utf8))))

    /// The peers a freshly started machine sends its status to.
    static func statusTargets(of identity: Identity, neighbours: [PeerID]) throws -> [PeerID] {
        var machine = try ChainMachine(rules: rules, identity: identity, localPeer: identity.peerID)
        machine.setNeighbours(neighbours)
        machine.start(now: .seconds(1))
        return machine.takeActions().compactMap {
            if case .announce(.status, let peer) = $0 { return peer }
            return nil
        }
    }

    @Test func aFollowerTellsItsNeighboursOnlyNotEveryValidator() throws {
        let neighbours = (0..<3).map { _ in Identity.generate().peerID }
        let targets = try Self.statusTargets(of: Identity.generate(), neighbours: neighbours)
        #expect(Set(targets) == Set(neighbours))
        #expect(targets.count == neighbours.count)
    }

    @Test func aValidatorTellsItsNeighboursAndTheOtherValidatorsOnceEachInOrder() throws {
        let validator = ChainParameters.localTestnetIdentity(0)
        let others = (1..<4).map { ChainParameters.localTestnetIdentity($0).peerID }
        let neighbour = Identity.generate().peerID
        let targets = try Self.statusTargets(of: validator, neighbours: [neighbour, others[0]])
        #expect(Set(targets.prefix(2)) == [neighbour, others[0]], "neighbours first: \(targets)")
        #expect(targets.count == 4, "each peer once: \(targets)")
        #expect(Set(targets) == Set(others + [neighbour]))
    }

    /// Statuses reach every peer from any peer when each knows all others: nearest-only fanout split 200
    /// peers into prefix clusters that no status ever left.
    @Test func statusesReachEveryPeerAcrossPrefixClusters() throws {
        let identities = (0..<200).map { _ in Identity.generate() }
        let ids = identities.map(\.peerID)
        var told: [PeerID: [PeerID]] = [:]
        for identity in identities {
            told[identity.peerID] = try Self.statusTargets(of: identity, neighbours: ids)
            #expect(told[identity.peerID]!.count <= 16, "one per bucket and a few nearest, not everyone")
        }
        var reached: Set<PeerID> = [ids[0]]
        var frontier = [ids[0]]
        while let peer = frontier.popLast() {
            for next in told[peer]! where reached.insert(next).inserted { frontier.append(next) }
        }
        #expect(reached.count == ids.count, "reached \(reached.count) of \(ids.count)")
    }
}

@Suite struct ChainStatusAnswerTests {
    @Test func aPeerBehindIsToldTheHeightEvenWhenItIsNoOnesNeighbour() throws {
        var network = try ChainNetwork(validators: 4, followers: 0)
        network.run(until: network.now + .seconds(5))
        let validator = network.order[0]
        let height = network.height(of: validator)
        #expect(height > 0)
        let stranger = Identity.generate().peerID
        network.machines[validator]!.announced(.status(height: 0, tip: .zero), from: stranger, now: network.now)
        let answers = network.machines[validator]!.takeActions().compactMap { action -> UInt64? in
            if case .announce(.status(let told, _), let peer) = action, peer == stranger { return told }
            return nil
        }
        #expect(answers == [height])
        // A peer as far along is not answered: no two peers answer each other back and forth.
        network.machines[validator]!.announced(
            .status(height: height, tip: network.machines[validator]!.tip), from: stranger, now: network.now)
        #expect(!network.machines[validator]!.takeActions().contains {
            if case .announce(.status, _) = $0 { return true }
            return false
        })
    }

    /// A validator that missed commits learns it from a vote two heights ahead and asks its sender for blocks,
    /// without waiting for a status.
    @Test func aValidatorBehindSyncsFromTheSenderOfAVoteTwoHeightsAhead() throws {
        var network = try ChainNetwork(validators: 4, followers: 0)
        network.run(until: network.now + .seconds(3))
        let behind = network.order[3]
        let height = network.height(of: behind)
        let ahead = ChainParameters.localTestnetIdentity(0)
        let vote = Vote(
            chainID: network.rules.chainID, type: .prevote, height: height + 3, round: 0, blockHash: nil,
            validator: ahead.publicKey
        ).signed(by: ahead)
        var bytes = ByteBuffer()
        bytes.writeSignedVote(vote)
        _ = network.machines[behind]!.takeActions()
        network.machines[behind]!.announced(.votes([bytes]), from: ahead.peerID, now: network.now)
        let asked = network.machines[behind]!.takeActions().compactMap { action -> Height? in
            if case .request(_, .getBlocks(let from, _), let peer) = action, peer == ahead.peerID { return from }
            return nil
        }
        #expect(asked == [height + 1])
    }
}

@Suite struct NextValidatorsTests {
    /// Skipping the scan of the accounts for a block that moves no stake must give the very set the scan gives.
    @Test func aBlockThatMovesNoStakeGivesTheSetAFullRebuildGives() throws {
        let params = ChainParameters.localTestnet
        let rules = LedgerRules(params: params, chainID: ChainID(SHA256.hash(Array("next validators".utf8))))
        var ledger = try LedgerState.genesis(params)
        let set = try ValidatorSet(ledger.validatorStakes(params))
        let sender = ChainParameters.localTestnetIdentity(1)
        let transfer = SignedTransaction(
            signing: Transaction(
                chainID: rules.chainID, sender: sender.publicKey, nonce: 0, fee: Amount(1_000),
                kind: .transfer(to: Identity.generate().publicKey, amount: Amount(10))),
            with: sender)
        let (block, next, _) = BlockBuilder(rules: rules).build(
            on: ledger, proposer: sender.publicKey, timeMs: 1, candidates: [transfer])
        ledger = next
        #expect(!ChainMachine.stakesMayHaveChanged(in: block))
        let skipped = ChainMachine.nextValidators(after: set, ledger: ledger, params: params, block: block)
        let scanned = ChainMachine.nextValidators(after: set, ledger: ledger, params: params)
        #expect(skipped == scanned && skipped.priorities == scanned.priorities)

        let bond = SignedTransaction(
            signing: Transaction(
                chainID: rules.chainID, sender: sender.publicKey, nonce: 1, fee: Amount(1_000),
                kind: .bond(amount: Amount(5_000_000))),
            with: sender)
        let (bonded, _, _) = BlockBuilder(rules: rules).build(
            on: ledger, proposer: sender.publicKey, timeMs: 2, candidates: [bond])
        #expect(ChainMachine.stakesMayHaveChanged(in: bonded))
    }
}
