import CairnCrypto
import Testing

@testable import CairnChain

@Suite struct BlockSyncTests {
    static func peer(_ n: UInt8) -> PeerID { SHA256.hash([n]) }
    let a = peer(1), b = peer(2), c = peer(3)

    /// A stand-in block: its height, and who made it (to tell a forged one apart).
    struct Fake: Hashable, Sendable {
        var height: Height
        var forged = false
    }

    func blocks(_ range: ClosedRange<Height>, forged: Bool = false) -> [Fake] {
        range.map { Fake(height: $0, forged: forged) }
    }

    @Test func rangesAreSpreadOverThePeersThatAreAhead() {
        var sync = BlockSync<Fake>(committedHeight: 10, config: .init(rangeSize: 100, maxInFlight: 4, maxInFlightPerPeer: 2))
        sync.peerReported(a, height: 1_000)
        sync.peerReported(b, height: 1_000)
        sync.peerReported(c, height: 5)  // behind: never asked
        let requests = sync.nextRequests()
        #expect(requests.map(\.from) == [11, 111, 211, 311])
        #expect(requests.allSatisfy { $0.count == 100 })
        #expect(Set(requests.map(\.peer)) == [a, b])
        #expect(requests.filter { $0.peer == a }.count == 2)
        #expect(sync.nextRequests().isEmpty, "the pipeline is full")
    }

    @Test func blocksAreHandedOverInHeightOrderWhateverOrderTheyArriveIn() {
        var sync = BlockSync<Fake>(committedHeight: 0, config: .init(rangeSize: 10, maxInFlight: 2, maxInFlightPerPeer: 2))
        sync.peerReported(a, height: 20)
        let requests = sync.nextRequests()
        #expect(requests.map(\.from) == [1, 11])
        sync.received(from: 11, blocks: blocks(11...20))
        #expect(sync.peekNext() == nil, "block 1 has not come yet")
        sync.received(from: 1, blocks: blocks(1...10))
        var applied: [Height] = []
        while let next = sync.peekNext() {
            applied.append(next.height)
            sync.applied(height: next.height)
        }
        #expect(applied == Array(1...20))
        #expect(!sync.isBehind)
    }

    @Test func aShortAnswerLeavesTheRestToBeAskedAgain() {
        var sync = BlockSync<Fake>(committedHeight: 0, config: .init(rangeSize: 10, maxInFlight: 1))
        sync.peerReported(a, height: 10)
        _ = sync.nextRequests()
        sync.received(from: 1, blocks: blocks(1...4))  // the server's byte budget cut it
        #expect(sync.nextRequests() == [.init(peer: a, from: 5, count: 6)])
    }

    @Test func aFailedRangeGoesToAnotherPeer() {
        var sync = BlockSync<Fake>(committedHeight: 0, config: .init(rangeSize: 10, maxInFlight: 1))
        sync.peerReported(a, height: 10)
        sync.peerReported(b, height: 10)
        let first = sync.nextRequests()
        #expect(first.map(\.peer) == [min(a, b)])
        sync.failed(from: 1)
        let retry = sync.nextRequests()
        #expect(retry.map(\.from) == [1])
        #expect(retry.map(\.peer) == [max(a, b)])
    }

    @Test func aPeerThatServedABadBlockIsBannedAndItsBlocksAskedOfOthers() {
        var sync = BlockSync<Fake>(committedHeight: 0, config: .init(rangeSize: 5, maxInFlight: 2, maxInFlightPerPeer: 1))
        sync.peerReported(a, height: 10)
        sync.peerReported(b, height: 10)
        let requests = sync.nextRequests()
        let liar = requests.first { $0.from == 1 }!.peer
        let honest = liar == a ? b : a
        sync.received(from: 1, blocks: blocks(1...5, forged: true))
        sync.received(from: 6, blocks: blocks(6...10))
        #expect(sync.peekNext()?.forged == true)
        sync.rejected(height: 1)
        #expect(sync.isBanned(liar))
        #expect(sync.peekNext() == nil)
        #expect(sync.nextRequests() == [.init(peer: honest, from: 1, count: 5)])
        sync.peerReported(liar, height: 50)
        #expect(sync.bestKnownHeight == 10, "a banned peer's reports are ignored")
    }

    @Test func aPeerWithNothingWhereItClaimedIsNotAskedThereAgain() {
        var sync = BlockSync<Fake>(committedHeight: 0, config: .init(rangeSize: 10, maxInFlight: 1))
        sync.peerReported(a, height: 10)
        _ = sync.nextRequests()
        sync.received(from: 1, blocks: [])
        #expect(sync.nextRequests().isEmpty)
        #expect(!sync.isBehind)
    }

    @Test func bufferedBlocksAreBoundedAheadOfTheNextHeight() {
        var sync = BlockSync<Fake>(
            committedHeight: 0, config: .init(rangeSize: 10, maxInFlight: 100, maxInFlightPerPeer: 100, maxBuffered: 30))
        sync.peerReported(a, height: 1_000)
        #expect(sync.nextRequests().map(\.from) == [1, 11, 21])
    }
}
