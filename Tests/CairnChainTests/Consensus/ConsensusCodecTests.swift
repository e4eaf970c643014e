import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct ConsensusCodecTests {
    let signer = Fixture.identity(0)
    let x = Fixture.block("block X")

    var messages: [ConsensusMessage] {
        [
            .vote(Fixture.vote(signer, .prevote, height: 9, round: 3, x)),
            .vote(Fixture.vote(signer, .precommit, height: 9, round: 3, nil)),
            .proposal(Fixture.proposal(signer, height: 9, round: 3, polRound: 1, x)),
            .proposal(Fixture.proposal(signer, height: 9, round: 0, x)),
        ]
    }

    @Test func messagesRoundTripAndKeepTheirSignatures() throws {
        for message in messages {
            var buffer = ByteBuffer()
            let written = buffer.writeConsensusMessage(message)
            #expect(written <= ConsensusMessage.maxByteCount)
            let read = try #require(try buffer.readConsensusMessage())
            #expect(read == message)
            #expect(buffer.readableBytes == 0)
            switch read {
            case .vote(let v): #expect(v.hasValidSignature)
            case .proposal(let p): #expect(p.hasValidSignature)
            }
        }
    }

    @Test func sizesAreAsDocumented() {
        var buffer = ByteBuffer()
        #expect(buffer.writeSignedVote(Fixture.vote(signer, .prevote, x)) == 174)
        #expect(buffer.writeSignedVote(Fixture.vote(signer, .prevote, nil)) == 142)
        #expect(buffer.writeSignedProposal(Fixture.proposal(signer, round: 2, polRound: 1, x)) == 177)
        #expect(buffer.writeSignedProposal(Fixture.proposal(signer, x)) == 173)
        #expect(Fixture.vote(signer, .prevote, x).vote.signingBytes.count == 91)
        #expect(Fixture.proposal(signer, x).proposal.signingBytes.count == 126)
    }

    @Test func signingBytesSeparateDomainsAndChains() {
        let vote = Fixture.vote(signer, .prevote, x).vote
        #expect(vote.signingBytes.starts(with: Array("cairn-vote-v1".utf8)))
        var other = vote
        other.chainID = Fixture.otherChain
        #expect(other.signingBytes != vote.signingBytes)
        var precommit = vote
        precommit.type = .precommit
        #expect(precommit.signingBytes != vote.signingBytes)
        #expect(Fixture.proposal(signer, x).proposal.signingBytes.starts(with: Array("cairn-proposal-v1".utf8)))
    }

    @Test func everyTruncationReturnsNilAndRewinds() throws {
        for message in messages {
            var full = ByteBuffer()
            full.writeConsensusMessage(message)
            for length in 0..<full.readableBytes {
                var cut = full.getSlice(at: 0, length: length)!
                #expect(try cut.readConsensusMessage() == nil)
                #expect(cut.readerIndex == 0)
            }
        }
    }

    @Test func garbageTagsAndFlagsThrow() {
        var unknownTag = ByteBuffer(bytes: [9] + [UInt8](repeating: 0, count: 200))
        #expect(throws: WireError.unknownTag(9, in: "consensus message")) { try unknownTag.readConsensusMessage() }
        #expect(unknownTag.readerIndex == 0)

        var vote = ByteBuffer()
        vote.writeSignedVote(Fixture.vote(signer, .prevote, x))
        vote.setInteger(UInt8(3), at: 32)  // vote type
        #expect(throws: WireError.self) { try vote.readSignedVote() }

        var flag = ByteBuffer()
        flag.writeSignedVote(Fixture.vote(signer, .prevote, x))
        flag.setInteger(UInt8(2), at: 45)  // block hash flag
        #expect(throws: WireError.self) { try flag.readSignedVote() }

        var polRound = ByteBuffer()
        polRound.writeSignedProposal(Fixture.proposal(signer, round: 2, polRound: 2, x))
        #expect(throws: WireError.self) { try polRound.readSignedProposal() }
    }

    @Test func signingRecordRoundTrips() throws {
        let records = [
            SigningRecord(message: messages[0], lock: nil),
            SigningRecord(message: messages[2], lock: .init(round: 1, blockHash: x)),
        ]
        for record in records {
            var buffer = ByteBuffer()
            buffer.writeSigningRecord(record)
            #expect(try buffer.readSigningRecord() == record)
        }
    }

    /// Arbitrary bytes never trap any decoder: each returns a value, nil or a `WireError`.
    @Test func randomBytesNeverTrap() {
        var generator = ConsensusTestRandom(seed: 0xC0FFEE)
        for _ in 0..<3_000 {
            let length = Int(generator.next() % 300)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var a = ByteBuffer(bytes: bytes)
            _ = try? a.readConsensusMessage()
            var b = ByteBuffer(bytes: bytes)
            _ = try? b.readCommit()
            var c = ByteBuffer(bytes: bytes)
            _ = try? c.readValidatorSet()
            var d = ByteBuffer(bytes: bytes)
            _ = try? d.readSigningRecord()
            // Plausible prefixes too: a valid tag followed by noise.
            var e = ByteBuffer(bytes: [UInt8(1 + generator.next() % 2)] + bytes)
            _ = try? e.readConsensusMessage()
        }
    }
}

/// A small seeded generator, so the random-input test is the same on every run.
struct ConsensusTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
