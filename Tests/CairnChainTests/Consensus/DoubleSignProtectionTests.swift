import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

/// A validator persists what it signs before sending it, and after a restart from that record signs nothing
/// conflicting (DESIGN.md §6).
@Suite struct DoubleSignProtectionTests {
    let four = FourValidators()
    let x = Fixture.block("block X")
    let y = Fixture.block("block Y")

    /// The record as the host would store it and read it back.
    func persisted(_ record: SigningRecord) throws -> SigningRecord {
        var buffer = ByteBuffer()
        buffer.writeSigningRecord(record)
        let read = try #require(try buffer.readSigningRecord())
        #expect(buffer.readableBytes == 0)
        return read
    }

    @Test func restartedValidatorDoesNotPrevoteAnotherBlockInTheSameRound() throws {
        let me = four.proposers[3]
        var before = four.machine(me)
        _ = before.start(now: .zero)
        let signed = before.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        let record = try persisted(try #require(signed.records.last))
        #expect(before.lastSigned == record)

        // Restart: a (byzantine or repeated) proposal of Y for the same round must not get a prevote for Y.
        var after = four.machine(me, lastSigned: record)
        _ = after.start(now: .seconds(1))
        let actions = after.proposalReceived(
            Fixture.proposal(four.proposers[0], y), blockValid: true,
            now: .seconds(1))
        #expect(actions.records.isEmpty)
        // Nor does anything else in the round: its propose timeout finds it past the propose step.
        let timeout = after.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .propose), now: .seconds(4))
        #expect(timeout.records.isEmpty)
        #expect(after.lastSigned == record)
    }

    @Test func restartedValidatorMayRepeatTheVoteItSigned() throws {
        let me = four.proposers[3]
        var before = four.machine(me)
        _ = before.start(now: .zero)
        let signed = before.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        let record = try #require(signed.records.last)

        var after = four.machine(me, lastSigned: record)
        _ = after.start(now: .seconds(1))
        let again = after.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .seconds(1))
        #expect(again.records == [record])
    }

    @Test func restartedValidatorKeepsItsLockAndSignsNothingEarlier() throws {
        let me = four.proposers[3]
        var before = four.machine(me)
        _ = before.start(now: .zero)
        _ = before.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        _ = before.voteReceived(Fixture.vote(four.proposers[0], .prevote, x), now: .zero)
        let locked = before.voteReceived(Fixture.vote(four.proposers[1], .prevote, x), now: .zero)
        let record = try persisted(try #require(locked.records.last))
        #expect(record.lock == SigningRecord.Lock(round: 0, blockHash: x))
        #expect(record.position == .init(height: 1, round: 0, step: 2))

        var after = four.machine(me, lastSigned: record)
        #expect(after.round == 0 && after.lockedValue == x && after.lockedRound == 0)
        _ = after.start(now: .seconds(1))
        // Round 0 again: no prevote (earlier step), no nil precommit (same step, other value).
        #expect(
            after.proposalReceived(
                Fixture.proposal(four.proposers[0], x), blockValid: true,
                now: .seconds(1)
            ).records.isEmpty)
        _ = after.voteReceived(Fixture.vote(four.proposers[0], .prevote, nil), now: .seconds(1))
        _ = after.voteReceived(Fixture.vote(four.proposers[1], .prevote, nil), now: .seconds(1))
        let nilPolka = after.voteReceived(Fixture.vote(four.proposers[2], .prevote, nil), now: .seconds(1))
        #expect(nilPolka.records.isEmpty)

        // Round 1 is later: it signs again, and still honours the lock: Y gets a nil prevote.
        _ = after.voteReceived(Fixture.vote(four.proposers[0], .precommit, nil), now: .seconds(2))
        _ = after.voteReceived(Fixture.vote(four.proposers[1], .precommit, nil), now: .seconds(2))
        _ = after.timeoutFired(ConsensusTimeout(height: 1, round: 0, step: .precommit), now: .seconds(3))
        let onY = after.proposalReceived(
            Fixture.proposal(four.proposers[1], round: 1, y), blockValid: true,
            now: .seconds(3))
        #expect(onY.votes.map(\.blockHash) == [nil])
        #expect(onY.votes.map(\.round) == [1])
    }

    /// The restarted validator counts its own persisted precommit: with two more it commits, and the commit
    /// carries its signature.
    @Test func restartedValidatorCountsItsPersistedVote() throws {
        let me = four.proposers[3]
        let precommit = Fixture.vote(me, .precommit, x)
        let record = SigningRecord(message: .vote(precommit), lock: .init(round: 0, blockHash: x))
        var machine = four.machine(me, lastSigned: record)
        _ = machine.start(now: .zero)
        _ = machine.proposalReceived(Fixture.proposal(four.proposers[0], x), blockValid: true, now: .zero)
        _ = machine.voteReceived(Fixture.vote(four.proposers[0], .precommit, x), now: .zero)
        let actions = machine.voteReceived(Fixture.vote(four.proposers[1], .precommit, x), now: .zero)
        let commit = try #require(actions.commits.first)
        let mine = try #require(four.set.index(of: me.publicKey))
        #expect(commit.signatures.contains(.init(validatorIndex: UInt16(mine), signature: precommit.signature)))
        try commit.verify(chainID: Fixture.chain, validators: four.set)
    }

    @Test func restartedProposerDoesNotProposeAnotherBlock() throws {
        let me = four.proposers[0]
        var before = four.machine(me)
        _ = before.start(now: .zero)
        let built = before.blockBuilt(hash: x, height: 1, round: 0, now: .zero)
        let proposalRecord = try #require(built.records.first)
        #expect(proposalRecord.position.step == 0)

        var after = four.machine(me, lastSigned: proposalRecord)
        #expect(after.start(now: .seconds(1)).contains(.buildBlock(height: 1, round: 0)))
        #expect(after.blockBuilt(hash: y, height: 1, round: 0, now: .seconds(1)).records.isEmpty)
    }

    @Test func recordOfAnEarlierHeightConstrainsNothing() throws {
        let me = four.proposers[3]
        let old = SigningRecord(message: .vote(Fixture.vote(me, .precommit, height: 0, round: 9, x)), lock: nil)
        var machine = four.machine(me, lastSigned: old)
        _ = machine.start(now: .zero)
        #expect(machine.round == 0)
        let actions = machine.proposalReceived(Fixture.proposal(four.proposers[0], y), blockValid: true, now: .zero)
        #expect(actions.votes.map(\.blockHash) == [y])
    }
}
