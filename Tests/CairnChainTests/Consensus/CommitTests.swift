import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct CommitTests {
    let ids = Fixture.identities(4)
    let x = Fixture.block("block X")

    /// Powers 5, 4, 2, 1: total 12, quorum 9.
    var set: ValidatorSet { Fixture.set(ids, powers: [5, 4, 2, 1]) }

    func commit(signers: [Int], hash: Key256? = nil, chain: ChainID = Fixture.chain) -> Commit {
        let signatures = signers.map { index -> Commit.Signature in
            let key = set[index].publicKey
            let signer = ids.first { $0.publicKey == key }!
            let vote = Fixture.vote(signer, .precommit, height: 7, round: 2, hash ?? x, chain: chain)
            return Commit.Signature(validatorIndex: UInt16(index), signature: vote.signature)
        }
        return Commit(height: 7, round: 2, blockHash: x, signatures: signatures)
    }

    @Test func validCommitVerifies() throws {
        #expect(set.totalPower == 12 && set.quorum == 9)
        try commit(signers: [0, 1]).verify(chainID: Fixture.chain, validators: set)
        try commit(signers: [0, 1, 2, 3]).verify(chainID: Fixture.chain, validators: set)
    }

    @Test func notEnoughPowerSaysHowMuch() {
        #expect(throws: CommitError.notEnoughPower(signed: 5, total: 12, needed: 9)) {
            try commit(signers: [0]).verify(chainID: Fixture.chain, validators: set)
        }
        #expect(
            CommitError.notEnoughPower(signed: 5, total: 12, needed: 9).description
                == "power 5 of 12 signed, needs > 8")
        // 8 of 12 is exactly 2/3: not enough.
        #expect(throws: CommitError.notEnoughPower(signed: 8, total: 12, needed: 9)) {
            try commit(signers: [0, 2, 3]).verify(chainID: Fixture.chain, validators: set)
        }
    }

    /// `good` with one bit pattern flipped in one byte of its `index`-th signature.
    func altered(_ good: Commit, signature index: Int, byte: Int, mask: UInt8) -> Commit {
        var signatures = good.signatures
        var bytes = signatures[index].signature
        bytes[byte] ^= mask
        signatures[index] = Commit.Signature(validatorIndex: signatures[index].validatorIndex, signature: bytes)
        return Commit(height: good.height, round: good.round, blockHash: good.blockHash, signatures: signatures)
    }

    @Test func forgedSignatureIsRefused() {
        let forged = altered(commit(signers: [0, 1]), signature: 1, byte: 10, mask: 0x40)
        #expect(throws: CommitError.badSignature(index: 1)) {
            try forged.verify(chainID: Fixture.chain, validators: set)
        }
        // Signatures for another block do not carry over.
        #expect(throws: CommitError.badSignature(index: 0)) {
            try commit(signers: [0, 1], hash: Fixture.block("other")).verify(chainID: Fixture.chain, validators: set)
        }
    }

    /// As under the simulator: a commit remembered as valid says nothing for one with an altered signature, nor
    /// for the same commit against another chain or validator set.
    @Test func withTheMemoOnAForgedCommitIsStillRefused() throws {
        SignatureMemo.enable()
        let good = commit(signers: [0, 1])
        try good.verify(chainID: Fixture.chain, validators: set)
        try good.verify(chainID: Fixture.chain, validators: set)
        let forged = altered(good, signature: 0, byte: 0, mask: 1)
        #expect(throws: CommitError.badSignature(index: 0)) {
            try forged.verify(chainID: Fixture.chain, validators: set)
        }
        #expect(throws: CommitError.badSignature(index: 0)) {
            try good.verify(chainID: Fixture.otherChain, validators: set)
        }
        let reordered = Fixture.set(ids, powers: [1, 2, 4, 5])
        #expect(throws: CommitError.self) { try good.verify(chainID: Fixture.chain, validators: reordered) }
    }

    @Test func duplicateSignerIsRefused() {
        let good = commit(signers: [0, 2])
        let doubled = Commit(height: 7, round: 2, blockHash: x, signatures: good.signatures + [good.signatures[1]])
        #expect(throws: CommitError.duplicateSigner(index: 2)) {
            try doubled.verify(chainID: Fixture.chain, validators: set)
        }
    }

    @Test func unknownValidatorIsRefused() {
        let good = commit(signers: [0, 1])
        let stray = Commit(
            height: 7, round: 2, blockHash: x,
            signatures: good.signatures + [.init(validatorIndex: 4, signature: good.signatures[0].signature)])
        #expect(throws: CommitError.unknownValidator(index: 4, validators: 4)) {
            try stray.verify(chainID: Fixture.chain, validators: set)
        }
    }

    @Test func wrongChainIsRefused() {
        #expect(throws: CommitError.badSignature(index: 0)) {
            try commit(signers: [0, 1], chain: Fixture.otherChain).verify(chainID: Fixture.chain, validators: set)
        }
    }

    @Test func encodingRoundTrips() throws {
        let original = commit(signers: [0, 1, 3])
        var buffer = ByteBuffer()
        let written = buffer.writeCommit(original)
        #expect(written == 46 + 66 * 3)
        #expect(try buffer.readCommit() == original)
        #expect(buffer.readableBytes == 0)
    }
}
