import CairnDHT
import CairnStorage
import CairnWire
import NIOCore

/// What opening a file needs found: its descriptor, where its shards are, and (for a reader by file ID who is
/// not the owner) this peer's grant.
public struct LocateOrder: Sendable {
    public var fileID: Key256
    /// The descriptor from this peer's own index, when it has it: no keeper is asked for it.
    public var descriptor: Descriptor?
    /// Where this peer's grant for the file would be kept; nil when the key comes from elsewhere (a
    /// capability). Only fetched when this peer turns out not to be the owner.
    public var grantKey: Key256?

    public init(fileID: Key256, descriptor: Descriptor?, grantKey: Key256?) {
        self.fileID = fileID
        self.descriptor = descriptor
        self.grantKey = grantKey
    }
}

/// A file found: checked descriptor, merged placement, and the grant when one was asked for and needed.
public struct FileLocation: Sendable {
    public var descriptor: Descriptor
    public var placement: FilePlacement
    public var grant: AccessGrant?
}

/// Finding a file, as a machine with no I/O: one lookup of the file ID finds the keepers of its descriptor,
/// placement records and grants; the descriptor is asked of them one after another (10 s each) until a copy
/// matches the ID and the owner's signature; the grant likewise; the placement records of the first n−k+3
/// keepers (this peer included) are merged, newest per position.
struct LocateOperation: Sendable {
    enum Phase: Sendable {
        case lookingUp, fetchingDescriptor, fetchingRest, over
    }

    static let blobTimeout: Duration = .seconds(10)

    let id: CommandID
    let order: LocateOrder
    let owner: PublicKey
    let localPeer: PeerInfo
    var now: Instant = .zero
    var phase = Phase.lookingUp
    var keepers: [PeerInfo] = []
    var descriptor: Descriptor?
    /// Next keeper to ask for the descriptor or the grant.
    var descriptorCursor = 0
    var grantCursor = 0
    var grant: AccessGrant?
    var grantPending = false
    var placementPending = 0
    var records: [PlacementRecord] = []
    var effects: [OwnerEffect] = []

    init(id: CommandID, order: LocateOrder, owner: PublicKey, localPeer: PeerInfo) {
        self.id = id
        self.order = order
        self.owner = owner
        self.localPeer = localPeer
        descriptor = order.descriptor
    }

    mutating func takeEffects() -> [OwnerEffect] {
        defer { effects = [] }
        return effects
    }

    mutating func start() {
        effects.append(.lookUp(order.fileID))
    }

    mutating func lookedUp(_ closest: [PeerInfo]?) {
        guard case .lookingUp = phase else { return }
        guard let closest else { return finish(.failure(.unexpectedResponse("a lookup"))) }
        keepers = closest
        if descriptor == nil {
            phase = .fetchingDescriptor
            askNextForDescriptor()
        } else {
            fetchRest()
        }
    }

    private mutating func askNextForDescriptor() {
        guard descriptorCursor < keepers.count else { return finish(.failure(.descriptorNotFound(order.fileID))) }
        let keeper = keepers[descriptorCursor]
        descriptorCursor += 1
        effects.append(
            .send(
                .getBlob(kind: .descriptor, key: order.fileID), to: keeper, .locate(.descriptor),
                timeout: Self.blobTimeout))
    }

    mutating func answered(_ step: LocateStep, response: Response?) {
        switch step {
        case .descriptor:
            guard case .fetchingDescriptor = phase else { return }
            if case .storage(.blob(let bytes?))? = response {
                let raw = Array(bytes.readableBytesView)
                if SHA256.hash(raw) == order.fileID, let found = try? Descriptor(decoding: raw),
                    found.verifySignature()
                {
                    descriptor = found
                    return fetchRest()
                }
                warnUnchecked(keepers[descriptorCursor - 1])
            }
            askNextForDescriptor()
        case .grant:
            guard case .fetchingRest = phase, grantPending, let descriptor, let key = order.grantKey else { return }
            if case .storage(.blob(let bytes?))? = response {
                if let found = try? AccessGrant(decoding: Array(bytes.readableBytesView)), found.grantee == owner,
                    found.fileID == order.fileID, found.verify(against: descriptor)
                {
                    grant = found
                    grantPending = false
                    return settleRest()
                }
                warnUnchecked(keepers[grantCursor - 1])
            }
            askNextForGrant(key: key)
        case .placement:
            guard case .fetchingRest = phase, placementPending > 0 else { return }
            placementPending -= 1
            if case .storage(.blob(let bytes?))? = response {
                records += (try? PlacementRecord.decodeList(Array(bytes.readableBytesView))) ?? []
            }
            settleRest()
        }
    }

    /// The descriptor is known: the placement records, and the grant when this peer is not the owner.
    private mutating func fetchRest() {
        guard let descriptor else { return }
        phase = .fetchingRest
        var candidates = keepers
        if !candidates.contains(where: { $0.id == localPeer.id }) { candidates.append(localPeer) }
        for keeper in candidates.prefix(PutOperation.blobReplicas(for: descriptor.parameters) + 2) {
            placementPending += 1
            effects.append(
                .send(
                    .getBlob(kind: .placement, key: order.fileID), to: keeper, .locate(.placement),
                    timeout: Self.blobTimeout))
        }
        if let key = order.grantKey, descriptor.owner != owner {
            grantPending = true
            askNextForGrant(key: key)
        }
        settleRest()
    }

    private mutating func askNextForGrant(key: Key256) {
        guard grantCursor < keepers.count else {
            // No keeper has a grant that checks out: the reader is told it has no access, once the placement
            // is in too (so that the answer does not race the requests still out).
            grantPending = false
            return settleRest()
        }
        let keeper = keepers[grantCursor]
        grantCursor += 1
        effects.append(.send(.getBlob(kind: .grant, key: key), to: keeper, .locate(.grant), timeout: Self.blobTimeout))
    }

    private mutating func settleRest() {
        guard case .fetchingRest = phase, placementPending == 0, !grantPending, let descriptor else { return }
        if order.grantKey != nil, descriptor.owner != owner, grant == nil {
            return finish(.failure(.noAccess(order.fileID)))
        }
        let placement = FilePlacement(descriptor: descriptor, fileID: order.fileID, records: records, now: now)
        finish(.success(FileLocation(descriptor: descriptor, placement: placement, grant: grant)))
    }

    private mutating func warnUnchecked(_ keeper: PeerInfo) {
        effects.append(
            .log(
                PeerLogEntry(
                    .warning, "keeper served a blob that does not check out",
                    ["cairn.remote": "\(keeper)"])))
    }

    private mutating func finish(_ result: Result<FileLocation, FileFailure>) {
        phase = .over
        switch result {
        case .success(let location): effects.append(.deliver(id, .fileLocated(location)))
        case .failure(let failure): effects.append(.deliver(id, .fileFailed(failure)))
        }
        effects.append(.finished)
    }
}

/// Which blob a locate request asked for.
enum LocateStep: Hashable, Sendable {
    case descriptor, grant, placement
}
