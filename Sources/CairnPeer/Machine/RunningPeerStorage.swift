/// The running peer on the heap, shared by copies of a `PeerMachine` until one of them changes it (copy on
/// write, as `Array` does with its buffer).
///
/// Swift cannot change an enum's payload where it lies: a `RunningPeer` held in `PeerMachine.State` itself
/// (about a kilobyte with dozens of references) had to be moved out and back on every event, which touched
/// every cache line of a peer the simulator had not looked at for a while — and it drives 10^5 machines
/// through hundreds of millions of events. Behind a reference the state is one word and the peer is
/// changed in place.
final class RunningPeerStorage: @unchecked Sendable {
    // Unchecked: `peer` is only mutated by `PeerMachine.withRunning`, once `isKnownUniquelyReferenced` has
    // shown that no other machine value shares this storage; shared storage is only ever read.
    var peer: RunningPeer

    init(_ peer: RunningPeer) {
        self.peer = peer
    }
}
