import CairnCrypto
import CairnWire
import Testing

@testable import CairnPeer

/// How a blob round counts its keepers (`BlobRound.failure`).
@Suite struct BlobRoundTests {
    func round(_ answers: [Response?]) -> BlobRound {
        var effects: [OwnerEffect] = []
        let keepers = answers.indices.map { _ in
            PeerInfo(id: Random.key256(), address: PeerAddress(host: "10.0.0.1", port: 4100))
        }
        var round = BlobRound(
            kind: .placement, key: Random.key256(), bytes: [1, 2, 3], keepers: keepers, timeout: .seconds(1),
            effects: &effects)
        for (position, answer) in answers.enumerated() {
            _ = round.answered(keeper: position, response: answer, reason: answer == nil ? "timed out" : nil)
        }
        return round
    }

    let stored = Response.storage(.stored)
    let storesNothing = Response.error(RemoteError(code: .noCapacity, message: "this peer does not store data"))
    let refused = Response.error(RemoteError(code: .refused, message: "no"))

    @Test func keepersThatStoreNothingAreNotCounted() {
        // Two of five keepers are validators without storage: the three others hold it, as all must but one.
        #expect(round([stored, storesNothing, stored, storesNothing, stored]).failure == nil)
        #expect(round([stored, storesNothing, refused, storesNothing, stored]).failure == nil, "all but one")
        // But a refusal or a silence still counts against the round.
        let failed = round([stored, storesNothing, refused, nil, stored]).failure
        #expect(failed != nil)
        #expect("\(failed!)".contains("2 storing nothing") == false)
        #expect("\(failed!)".contains("1 storing nothing"))
        // And a round where nobody stores anything fails.
        #expect(round([storesNothing, storesNothing]).failure != nil)
    }
}
