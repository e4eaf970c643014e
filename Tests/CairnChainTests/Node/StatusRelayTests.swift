import CairnCrypto
import CairnWire
import Testing

@testable import CairnChain

/// Heights relayed down the Kademlia tree (`ChainMachine.announceStatus(validatorsToo:relayingFrom:)`, Kadcast).
@Suite struct StatusRelayTests {
    /// `peer` with bit `bit` (0 the most significant) flipped: a peer sharing exactly `bit` leading bits with it.
    static func flipping(_ bit: Int, of peer: PeerID) -> PeerID {
        let words = [peer.w0, peer.w1, peer.w2, peer.w3]
        var flipped = words
        flipped[bit / 64] ^= UInt64(1) << (63 - UInt64(bit % 64))
        return PeerID(w0: flipped[0], w1: flipped[1], w2: flipped[2], w3: flipped[3])
    }

    /// A follower of a running chain, its neighbours one in each of the first 12 buckets, and whom it tells of
    /// its height when it learnt it from `source`.
    static func told(relayingFrom source: ((PeerID) -> PeerID)?) throws -> (local: PeerID, told: [PeerID]) {
        var network = try ChainNetwork(validators: 4, followers: 1)
        network.run(until: network.now + .seconds(5))
        let local = network.order.last!
        var machine = try #require(network.machines[local])
        #expect(machine.height >= 2)
        _ = machine.takeActions()
        machine.setNeighbours((0..<12).map { flipping($0, of: local) })
        machine.announceStatus(validatorsToo: false, relayingFrom: source?(local))
        let told = machine.takeActions().compactMap { action -> PeerID? in
            guard case .announce(.status, let peer) = action else { return nil }
            return peer
        }
        return (local, told)
    }

    @Test func aSyncedHeightGoesOnlyToNeighboursDeeperThanItsSource() throws {
        let (local, told) = try Self.told(relayingFrom: { Self.flipping(3, of: $0) })
        // The source shares 3 leading bits with this peer: it (or whoever told it) covers buckets 0 to 3.
        #expect(told.count == 8)
        #expect(Set(told) == Set((4..<12).map { Self.flipping($0, of: local) }))
    }

    @Test func withoutASourceEveryNeighbourIsTold() throws {
        let (local, told) = try Self.told(relayingFrom: nil)
        #expect(told.count == 12)
        #expect(Set(told) == Set((0..<12).map { Self.flipping($0, of: local) }))
    }
}
