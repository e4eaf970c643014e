import CairnWire
@testable import CairnPeer
import Testing

@Suite struct RunningPeerStorageTests {
    func storage(of machine: PeerMachine) -> ObjectIdentifier? {
        guard case .running(let storage) = machine.state else { return nil }
        return ObjectIdentifier(storage)
    }

    /// The simulator relies on this: an event changes the running peer where it lies, without copying it.
    @Test func anUnsharedPeerIsChangedInPlaceAndASharedOneCopiedFirst() throws {
        var peer = PeerMachine(identity: .generate(), config: PeerMachineConfig())
        peer.handle(.started(PeerAddress(host: "10.0.0.2", port: 4100)), now: .zero)
        let first = try #require(storage(of: peer))
        let other = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.7", port: 7))
        peer.handle(.requestReceived(InboundID(rawValue: 1), .dht(.ping), from: other, remote: other.id), now: .zero)
        #expect(storage(of: peer) == first)

        let copy = peer
        peer.handle(.requestReceived(InboundID(rawValue: 2), .dht(.ping), from: other, remote: other.id), now: .zero)
        #expect(storage(of: peer) != first, "shared storage is copied before it changes")
        #expect(storage(of: copy) == first)
    }
}
