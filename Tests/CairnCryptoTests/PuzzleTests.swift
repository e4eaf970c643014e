import CairnCrypto
import Testing

struct PuzzleTests {
    @Test func zeroBitsAcceptsEveryone() {
        for _ in 0..<32 {
            #expect(Puzzle.isSolved(by: Random.key256(), bits: 0))
        }
        #expect(Puzzle.isSolved(by: .zero, bits: -1))
    }

    @Test(arguments: [1, 4, 8])
    func generatedIdentitiesSolveThePuzzle(bits: Int) {
        let identity = Identity.generate(puzzleBits: bits)
        #expect(Puzzle.isSolved(by: identity.peerID, bits: bits))
        #expect(SHA256.hash(identity.peerID.bytes).leadingZeroBitCount >= bits)
    }

    @Test func unsolvedIdentitiesAreRefused() {
        // Find a PeerID whose hash starts with a one bit: it fails every puzzle above zero bits.
        var id = Random.key256()
        while SHA256.hash(id.bytes).leadingZeroBitCount != 0 { id = Random.key256() }
        #expect(!Puzzle.isSolved(by: id, bits: 1))
        #expect(!Puzzle.isSolved(by: id, bits: 8))
    }
}
