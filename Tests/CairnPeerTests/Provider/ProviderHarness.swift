import CairnPeer
import CairnStorage
import CairnWire

/// A running peer machine with a provider side, fed storage requests and store outcomes one at a time; no
/// store, no socket, no clock.
struct ProviderHarness {
    static let address = PeerAddress(host: "10.0.0.2", port: 4100)
    static let start: Instant = .seconds(1_000)
    var machine: PeerMachine
    private var nextInbound: UInt64 = 1
    /// The actions of the start (timers armed).
    var started: [PeerAction] = []

    init(pendingGrace: Duration = .seconds(3600)) {
        machine = PeerMachine(identity: .generate(),
                              config: PeerMachineConfig(provider: ProviderConfig(pendingGrace: pendingGrace)))
        machine.handle(.started(Self.address), now: Self.start)
        started = machine.takeActions()
    }

    var identity: Identity { machine.identity }

    /// Feeds a storage request from another peer (`sender`, or a fresh one); returns its ID and what the machine
    /// did.
    mutating func request(_ request: StorageRequest, from sender: PeerID = Identity.generate().peerID,
                          now: Instant = start) -> (InboundID, [PeerAction]) {
        let id = InboundID(rawValue: nextInbound)
        nextInbound += 1
        machine.handle(.requestReceived(id, .storage(request), from: nil, remote: sender), now: now)
        return (id, machine.takeActions())
    }

    mutating func complete(_ ticket: StoreTicket, _ outcome: StoreOutcome, now: Instant = start) -> [PeerAction] {
        machine.handle(.storeCompleted(ticket, outcome), now: now)
        return machine.takeActions()
    }
}

func storeOperations(_ actions: [PeerAction]) -> [(StoreTicket, StoreOperation)] {
    actions.compactMap { if case .store(let ticket, let operation) = $0 { (ticket, operation) } else { nil } }
}

func responses(_ actions: [PeerAction]) -> [(InboundID, Response)] {
    actions.compactMap { if case .respond(let id, let response) = $0 { (id, response) } else { nil } }
}

/// The one response among `actions`, or nil.
func onlyResponse(_ actions: [PeerAction]) -> Response? {
    let all = responses(actions)
    return all.count == 1 ? all[0].1 : nil
}

extension Response {
    var remoteError: RemoteError? {
        if case .error(let error) = self { return error }
        return nil
    }
}

/// A signed descriptor of a 2-of-4 file with `segments` segments and made-up shard IDs.
func testDescriptor(owner: Identity, segments: Int = 3) throws -> Descriptor {
    let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
    let ids = (0..<segments).map { s in (0..<4).map { i in SHA256.hash([UInt8(s), UInt8(i), 7]) } }
    return try Descriptor(
        fileSize: UInt64(segments) * 64 << 10, parameters: parameters, fileNonce: Random.key256(), shardIDs: ids,
        created: .seconds(1_700_000_000), metadata: FileMetadata(name: "f.txt"), fileKey: FileKey.random(),
        owner: owner)
}
