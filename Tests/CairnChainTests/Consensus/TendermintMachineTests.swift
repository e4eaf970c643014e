import CairnCrypto
import CairnWire
import Testing

@testable import CairnChain

/// The machine event by event; the tests play the other validators by signing with their identities.
@Suite struct TendermintMachineTests {
    let four = FourValidators()
    let x = Fixture.block("block X")
    let y = Fixture.block("block Y")

    @Test func happyPathWhenThisValidatorProposes() throws {
        let me = four.proposers[0]
        let others = Array(four.proposers[1...])
        var machine = four.machine(me)
        let started = machine.start(now: .zero)
        #expect(started.first == .buildBlock(height: 1, round: 0))
        #expect(started.timeouts.map(\.0) == [ConsensusTimeout(height: 1, round: 0, step: .propose)])

        let built = machine.blockBuilt(hash: x, height: 1, round: 0, now: .milliseconds(10))
        #expect(built.proposals.map(\.blockHash) == [x])
        #expect(built.proposals.first?.polRound == nil)
        #expect(built.votes.map(\.type) == [.prevote])
        #expect(built.votes.first?.blockHash == x)

        #expect(machine.voteReceived(Fixture.vote(others[0], .prevote, x), now: .milliseconds(20)).isEmpty)
        let polka = machine.voteReceived(Fixture.vote(others[1], .prevote, x), now: .milliseconds(30))
        #expect(polka.votes.map(\.type) == [.precommit])
        #expect(polka.votes.first?.blockHash == x)
        #expect(machine.lockedValue == x && machine.lockedRound == 0)
        #expect(machine.validValue == x && machine.validRound == 0)

        _ = machine.voteReceived(Fixture.vote(others[0], .precommit, x), now: .milliseconds(40))
        let decided = machine.voteReceived(Fixture.vote(others[1], .precommit, x), now: .milliseconds(50))
        let commit = try #require(decided.commits.first)
        #expect(commit.height == 1 && commit.round == 0 && commit.blockHash == x)
        #expect(commit.signatures.count == 3)
        try commit.verify(chainID: Fixture.chain, validators: four.set)
        #expect(machine.decision == commit)
        // Late votes for a decided height change nothing.
        #expect(machine.voteReceived(Fixture.vote(others[2], .precommit, x), now: .milliseconds(60)).isEmpty)
    }

    @Test func followerWithoutIdentityCommitsFromVotes() throws {
        var machine = four.machine(nil)
        #expect(machine.start(now: .zero).records.isEmpty)
        _ = machine.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        var actions: [ConsensusAction] = []
        for signer in four.proposers.prefix(3) {
            actions += machine.voteReceived(Fixture.vote(signer, .precommit, x), now: .zero)
        }
        #expect(actions.records.isEmpty)
        #expect(actions.commits.map(\.blockHash) == [x])
    }

    @Test func timeoutsAreArmedAtTheConfiguredInstants() {
        var config = ConsensusConfig()
        config.proposeMilliseconds = 2_000
        config.proposeDeltaMilliseconds = 300
        config.prevoteMilliseconds = 700
        config.prevoteDeltaMilliseconds = 100
        config.precommitMilliseconds = 900
        config.precommitDeltaMilliseconds = 50
        let me = four.proposers[3]
        var machine = four.machine(me, config: config)
        let start = Instant.seconds(10)
        #expect(machine.start(now: start).timeouts.map(\.1) == [start + .milliseconds(2_000)])

        // Propose timeout (line 57): prevote nil.
        let t1 = Instant.seconds(12)
        let onPropose = machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .propose), now: t1)
        #expect(onPropose.votes.map(\.blockHash) == [nil])
        // 2f+1 prevotes of any kind (line 34) arm the prevote timer.
        _ = machine.voteReceived(Fixture.vote(four.proposers[0], .prevote, x), now: t1)
        let armed = machine.voteReceived(Fixture.vote(four.proposers[1], .prevote, nil), now: t1)
        #expect(armed.timeouts.map(\.0.step) == [.prevote])
        #expect(armed.timeouts.map(\.1) == [t1 + .milliseconds(700)])
        // Prevote timeout (line 61): precommit nil.
        let t2 = t1 + .milliseconds(700)
        let onPrevote = machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .prevote), now: t2)
        #expect(onPrevote.votes.map(\.type) == [.precommit])
        #expect(onPrevote.votes.map(\.blockHash) == [nil])
        // 2f+1 precommits of any kind (line 47) arm the precommit timer; it starts round 1 (line 65).
        _ = machine.voteReceived(Fixture.vote(four.proposers[0], .precommit, nil), now: t2)
        let precommitArmed = machine.voteReceived(Fixture.vote(four.proposers[1], .precommit, x), now: t2)
        #expect(precommitArmed.timeouts.map(\.1) == [t2 + .milliseconds(900)])
        let t3 = t2 + .milliseconds(900)
        let next = machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .precommit), now: t3)
        #expect(machine.round == 1)
        #expect(next.timeouts.map(\.0) == [ConsensusTimeout(height: 1, round: 1, step: .propose)])
        #expect(next.timeouts.map(\.1) == [t3 + .milliseconds(2_300)])
        // Stale timers do nothing.
        #expect(machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .propose), now: t3).isEmpty)
    }

    /// Round 0 locks X; round 1's proposer proposes Y: the locked validator prevotes nil (line 22); then a
    /// polka for Y in round 1 makes it lock Y instead (line 36).
    @Test func lockedValidatorPrevotesNilForAnotherValueUntilALaterPolka() throws {
        let me = four.proposers[3]
        var machine = four.machine(me)
        _ = machine.start(now: .zero)
        try lockOnXInRoundZero(&machine, me: me)

        let fire = machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .precommit), now: .seconds(2))
        #expect(machine.round == 1 && fire.timeouts.map(\.0.step) == [.propose])
        let onY = machine.proposalReceived(
            Fixture.proposal(four.proposers[1], round: 1, y), blockValid: true,
            now: .seconds(2))
        #expect(onY.votes.map(\.blockHash) == [nil])
        #expect(onY.votes.map(\.round) == [1])

        var actions: [ConsensusAction] = []
        for signer in four.proposers.prefix(3) {
            actions += machine.voteReceived(Fixture.vote(signer, .prevote, round: 1, y), now: .seconds(3))
        }
        #expect(actions.votes.map(\.type) == [.precommit])
        #expect(actions.votes.first?.blockHash == y)
        #expect(machine.lockedValue == y && machine.lockedRound == 1)
    }

    /// Line 28: a proposal for Y with polRound 1, backed by 2f+1 prevotes for Y in round 1, is prevoted by a
    /// validator locked on X in round 0 (lockedRound 0 ≤ vr 1).
    @Test func proposalWithALaterPolkaUnlocks() throws {
        let me = four.proposers[3]
        var machine = four.machine(me)
        _ = machine.start(now: .zero)
        try lockOnXInRoundZero(&machine, me: me)
        _ = machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .precommit), now: .seconds(2))

        // Round 1: this validator never sees the proposal, only the others' prevotes for Y.
        for signer in four.proposers.prefix(3) {
            _ = machine.voteReceived(Fixture.vote(signer, .prevote, round: 1, y), now: .seconds(2))
        }
        let noProposal = machine.timeoutFired(ConsensusTimeout(height: 1, round: 1, step: .propose), now: .seconds(6))
        #expect(noProposal.votes.map(\.blockHash) == [nil])
        _ = machine.timeoutFired(ConsensusTimeout(height: 1, round: 1, step: .prevote), now: .seconds(8))
        for signer in four.proposers.prefix(3) {
            _ = machine.voteReceived(Fixture.vote(signer, .precommit, round: 1, nil), now: .seconds(8))
        }
        _ = machine.timeoutFired(ConsensusTimeout(height: 1, round: 1, step: .precommit), now: .seconds(10))
        #expect(machine.round == 2 && machine.lockedValue == x)

        // A proposal of Y without its polka round would still be refused; with polRound 1 it is accepted.
        let onY = machine.proposalReceived(
            Fixture.proposal(four.proposers[2], round: 2, polRound: 1, y),
            blockValid: true, now: .seconds(10))
        #expect(onY.votes.map(\.blockHash) == [y])
        #expect(onY.votes.map(\.round) == [2])
    }

    @Test func invalidBlockIsPrevotedNil() {
        var machine = four.machine(four.proposers[3])
        _ = machine.start(now: .zero)
        let actions = machine.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: false, now: .zero)
        #expect(actions.votes.map(\.blockHash) == [nil])
    }

    @Test func roundSkipOnOneThirdPlusOfAHigherRound() {
        var machine = four.machine(four.proposers[3])
        _ = machine.start(now: .zero)
        #expect(machine.voteReceived(Fixture.vote(four.proposers[0], .prevote, round: 5, x), now: .zero).isEmpty)
        let skipped = machine.voteReceived(
            Fixture.vote(four.proposers[1], .precommit, round: 5, nil),
            now: .seconds(1))
        #expect(machine.round == 5)
        #expect(skipped.timeouts.map(\.0) == [ConsensusTimeout(height: 1, round: 5, step: .propose)])
        #expect(skipped.timeouts.map(\.1) == [.seconds(1) + .milliseconds(3_000 + 5 * 500)])
    }

    @Test func roundsTooFarAheadAreDropped() {
        var config = ConsensusConfig()
        config.maxRoundsAhead = 3
        var machine = four.machine(four.proposers[3], config: config)
        _ = machine.start(now: .zero)
        _ = machine.voteReceived(Fixture.vote(four.proposers[0], .prevote, round: 4, x), now: .zero)
        _ = machine.voteReceived(Fixture.vote(four.proposers[1], .prevote, round: 4, x), now: .zero)
        #expect(machine.round == 0)
    }

    /// Line 49 applies in any round: a validator in round 3 commits round 0's block from its precommits.
    @Test func commitFromPrecommitsOfAnEarlierRound() throws {
        var machine = four.machine(four.proposers[3])
        _ = machine.start(now: .zero)
        _ = machine.voteReceived(Fixture.vote(four.proposers[0], .prevote, round: 3, nil), now: .zero)
        _ = machine.voteReceived(Fixture.vote(four.proposers[1], .prevote, round: 3, nil), now: .zero)
        #expect(machine.round == 3)
        _ = machine.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        var actions: [ConsensusAction] = []
        for signer in four.proposers.prefix(3) {
            actions += machine.voteReceived(Fixture.vote(signer, .precommit, round: 0, x), now: .zero)
        }
        let commit = try #require(actions.commits.first)
        #expect(commit.round == 0 && commit.blockHash == x)
        try commit.verify(chainID: Fixture.chain, validators: four.set)
    }

    @Test func conflictingVotesAreReportedAsEvidenceOnce() throws {
        var machine = four.machine(four.proposers[3])
        _ = machine.start(now: .zero)
        let first = Fixture.vote(four.proposers[0], .prevote, x)
        let second = Fixture.vote(four.proposers[0], .prevote, y)
        #expect(machine.voteReceived(first, now: .zero).evidence.isEmpty)
        let evidence = try #require(machine.voteReceived(second, now: .zero).evidence.first)
        #expect(evidence.first == first && evidence.second == second)
        #expect(evidence.isValid)
        let third = Fixture.vote(four.proposers[0], .prevote, nil)
        #expect(machine.voteReceived(third, now: .zero).evidence.isEmpty)
        // The same vote twice is no equivocation.
        #expect(machine.voteReceived(first, now: .zero).isEmpty)
    }

    @Test func badSignaturesAndForeignProposersAreIgnored() {
        var machine = four.machine(four.proposers[3])
        _ = machine.start(now: .zero)
        // A proposal from a validator that does not propose round 0.
        let foreign = Fixture.proposal(four.proposers[1], x)
        #expect(machine.proposalReceived(foreign, blockValid: true, now: .zero).isEmpty)
        // The right proposer, a forged signature.
        let good = Fixture.proposal(four.proposers[0], x)
        var forgedSignature = good.signature
        forgedSignature[0] ^= 1
        let forged = SignedProposal(proposal: good.proposal, signature: forgedSignature)
        #expect(machine.proposalReceived(forged, blockValid: true, now: .zero).isEmpty)
        // Votes with broken signatures do not count: three would make a round skip.
        for signer in four.proposers.prefix(3) {
            let vote = Fixture.vote(signer, .prevote, round: 2, x)
            let bad = SignedVote(vote: vote.vote, signature: [UInt8](repeating: 7, count: 64))
            #expect(machine.voteReceived(bad, now: .zero).isEmpty)
        }
        // Another chain's votes do not count either.
        for signer in four.proposers.prefix(3) {
            #expect(
                machine.voteReceived(
                    Fixture.vote(signer, .prevote, round: 2, x, chain: Fixture.otherChain),
                    now: .zero
                ).isEmpty)
        }
        // A non-validator's votes neither.
        let stranger = Fixture.identity(99)
        #expect(machine.voteReceived(Fixture.vote(stranger, .prevote, round: 2, x), now: .zero).isEmpty)
        #expect(machine.round == 0)
        // The genuine proposal still works.
        #expect(machine.proposalReceived(good, blockValid: true, now: .zero).votes.map(\.blockHash) == [x])
    }

    @Test func messagesForTheNextHeightAreReplayedAfterTheCommit() throws {
        var machine = four.machine(four.proposers[3])
        _ = machine.start(now: .zero)
        let nextSet = four.set.advanced(byHeights: 1)
        let nextProposer = four.proposers.first { $0.publicKey == nextSet.proposer(forRound: 0).publicKey }!
        let early = Fixture.proposal(nextProposer, height: 2, x)
        #expect(machine.proposalReceived(early, blockValid: true, now: .zero).isEmpty)
        _ = machine.voteReceived(Fixture.vote(four.proposers[0], .prevote, height: 2, y), now: .zero)
        // Past heights are dropped.
        #expect(machine.voteReceived(Fixture.vote(four.proposers[0], .prevote, height: 0, y), now: .zero).isEmpty)

        _ = machine.proposalReceived(Fixture.proposal(four.proposers[0], y), blockValid: true, now: .zero)
        for signer in four.proposers.prefix(3) {
            _ = machine.voteReceived(Fixture.vote(signer, .precommit, y), now: .zero)
        }
        #expect(machine.decision?.blockHash == y)
        let next = machine.startNextHeight(validators: nextSet, now: .seconds(1))
        #expect(machine.height == 2 && machine.round == 0)
        #expect(next.contains(.validateProposal(early)))
        let prevote = machine.proposalReceived(early, blockValid: true, now: .seconds(1))
        #expect(prevote.votes.map(\.height) == [2])
    }

    @Test func nextHeightBufferIsCappedPerSender() {
        var config = ConsensusConfig()
        config.maxBufferedPerSender = 2
        var buffer = NextHeightBuffer()
        for round in 0..<10 {
            buffer.keep(
                .vote(Fixture.vote(four.proposers[0], .prevote, height: 2, round: Round(round), x)),
                config: config)
        }
        buffer.keep(.vote(Fixture.vote(four.proposers[1], .prevote, height: 2, x)), config: config)
        #expect(buffer.count == 3)
    }

    /// Line 15: a proposer with a valid value re-proposes it with its polka round instead of building a block.
    @Test func proposerReproposesItsValidValue() throws {
        let me = four.proposers[1]
        var machine = four.machine(me)
        _ = machine.start(now: .zero)
        try lockOnXInRoundZero(&machine, me: me)
        let next = machine.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .precommit), now: .seconds(2))
        #expect(!next.contains(.buildBlock(height: 1, round: 1)))
        let proposal = try #require(next.proposals.first)
        #expect(proposal.round == 1 && proposal.polRound == 0 && proposal.blockHash == x)
        // Its own proposal carries a polka it has seen, so it prevotes it at once (line 28).
        #expect(next.votes.map(\.blockHash) == [x])
    }

    @Test func identityOutsideTheSetSignsNothing() {
        var machine = four.machine(Fixture.identity(42))
        #expect(!machine.isValidator)
        #expect(machine.start(now: .zero).records.isEmpty)
        #expect(
            machine.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
                .records.isEmpty)
    }

    /// Brings a validator that is not round 0's proposer to a lock on X in round 0, with 2f+1 precommits seen
    /// (so the precommit timer is armed) but no decision.
    private func lockOnXInRoundZero(_ machine: inout TendermintMachine, me: Identity) throws {
        let onX = machine.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        #expect(onX.votes.map(\.blockHash) == [x])
        let others = four.proposers.filter { $0.publicKey != me.publicKey }
        _ = machine.voteReceived(Fixture.vote(others[0], .prevote, x), now: .seconds(1))
        let locked = machine.voteReceived(Fixture.vote(others[1], .prevote, x), now: .seconds(1))
        #expect(locked.votes.map(\.type) == [.precommit])
        #expect(machine.lockedValue == x && machine.lockedRound == 0)
        _ = machine.voteReceived(Fixture.vote(others[0], .precommit, nil), now: .seconds(1))
        let armed = machine.voteReceived(Fixture.vote(others[1], .precommit, nil), now: .seconds(1))
        #expect(armed.timeouts.map(\.0.step) == [.precommit])
        #expect(machine.decision == nil)
    }
}
