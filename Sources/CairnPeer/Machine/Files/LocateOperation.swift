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
    /// Peers that keep a copy of the descriptor besides the keepers the lookup finds — the file's providers, as
    /// the chain's agreements name them — asked after those keepers: once the keepers a put chose have left,
    /// nobody else may hold the descriptor (the owner, who would publish it again, may be away for good).
    public var holders: [PeerInfo]
    /// The caller needs the descriptor alone (a self-repair: the chain names the holders): `holders` are asked
    /// for it at once, the lookup of the file ID runs only once they have all failed, and no placement record is
    /// fetched. Asked after the lookup, the descriptor of a self-repair took 5 to 15 s whenever a keeper had
    /// left (the lookup waits out each silent one), longer than the fallback period after which the next
    /// repairer starts the same repair.
    public var descriptorOnly: Bool
    /// Which placement records' signatures are checked: `.contested` for a reader, whose every shard is
    /// checked against the descriptor (`FilePlacement.SignatureCheck`); `.every` for a check or a repair.
    public var signatures: FilePlacement.SignatureCheck

    public init(
        fileID: Key256, descriptor: Descriptor?, grantKey: Key256?, holders: [PeerInfo] = [],
        descriptorOnly: Bool = false, signatures: FilePlacement.SignatureCheck = .every
    ) {
        self.signatures = signatures
        self.fileID = fileID
        self.descriptor = descriptor
        self.grantKey = grantKey
        self.holders = holders
        self.descriptorOnly = descriptorOnly
    }
}

/// A file found: checked descriptor, merged placement, and the grant when one was asked for and needed.
public struct FileLocation: Sendable {
    public var descriptor: Descriptor
    public var placement: FilePlacement
    public var grant: AccessGrant?
}

/// Finding a file, as a machine with no I/O: one lookup of the file ID finds the keepers of its descriptor,
/// placement records and grants; then the descriptor (unless this peer has it), the placement records and the
/// grant are asked for at once, so that a file is located in one round trip after the lookup. The descriptor
/// is asked of `descriptorAsks` keepers at once (10 s each; in the same request as their placement records,
/// `StorageRequest.locate`), the next asked as each fails, until a copy matches
/// the ID and the owner's signature; the grant of one keeper after another; the placement records of the
/// first n−k+3 keepers (this peer included) are merged, newest per position. Until the descriptor gives n and
/// k, the placement is asked of as many keepers as the largest code allowed by default needs
/// (`defaultPlacementAsks`), and of more once it says so.
struct LocateOperation: OwnerOperation {
    enum Phase: Sendable {
        case lookingUp, fetching, over
    }

    static let blobTimeout: Duration = .seconds(10)
    /// Keepers asked for placement records before the descriptor is known: n−k+3 for the default 4-of-8 code.
    static let defaultPlacementAsks = 7
    /// Keepers asked for the descriptor at once: asked one after another, every keeper that has left cost the
    /// locate 10 s, and the self-repairs of `cairn sim storage` lost files while they waited. Any keeper's copy
    /// will do (it is checked against the file ID), so a few more small requests buy that time back.
    static let descriptorAsks = 3

    let id: CommandID
    let order: LocateOrder
    let owner: PublicKey
    let localPeer: PeerInfo
    var now: Instant = .zero
    var phase = Phase.lookingUp
    /// Whether the lookup of the file ID was asked for (a descriptor-only locate asks it only as a fallback).
    var lookupStarted = false
    var keepers: [PeerInfo] = []
    var descriptor: Descriptor?
    /// Next keeper to ask for the descriptor or the grant.
    var descriptorCursor = 0
    /// Descriptor requests not answered yet.
    var descriptorInFlight = 0
    /// Whether the locate still waits for the descriptor.
    var descriptorPending: Bool { descriptor == nil && descriptorInFlight > 0 }
    var grantCursor = 0
    var grant: AccessGrant?
    var grantPending = false
    /// Keepers (this peer included) asked for placement records so far, and answers still due.
    var placementAsked = 0
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

    mutating func start() {
        guard order.descriptorOnly, !order.holders.isEmpty else {
            lookupStarted = true
            return effects.append(.lookUp(order.fileID))
        }
        keepers = order.holders
        phase = .fetching
        guard descriptor == nil else { return settle() }
        askNextForDescriptor()
    }

    mutating func lookedUp(_ closest: [PeerInfo]?) {
        guard case .lookingUp = phase else { return }
        guard let closest else { return finish(.failure(.unexpectedResponse("a lookup"))) }
        if order.descriptorOnly {
            // The holders, asked already, stay first: the descriptor cursor goes on past them.
            keepers += closest.filter { keeper in !keepers.contains { $0.id == keeper.id } }
        } else {
            keepers = closest + order.holders.filter { holder in !closest.contains { $0.id == holder.id } }
        }
        phase = .fetching
        askForPlacement()
        if descriptor == nil { askNextForDescriptor() }
        // A reader by file ID may turn out to be the owner once the descriptor is in; its grant request then
        // only cost one small message, and saved a round trip otherwise.
        if let key = order.grantKey, descriptor?.owner != owner {
            grantPending = true
            askNextForGrant(key: key)
        }
        settle()
    }

    /// Asks keepers not asked yet until `descriptorAsks` are out; fails once every keeper has failed.
    private mutating func askNextForDescriptor() {
        while descriptorInFlight < Self.descriptorAsks, descriptorCursor < keepers.count {
            let keeper = descriptorCursor
            descriptorCursor += 1
            descriptorInFlight += 1
            effects.append(
                .send(
                    .getBlob(kind: .descriptor, key: order.fileID), to: keepers[keeper],
                    .locate(.descriptor(keeper: keeper)), timeout: Self.blobTimeout))
        }
        guard descriptorInFlight == 0 else { return }
        if order.descriptorOnly, !lookupStarted {
            // Every holder failed: the keepers the lookup finds are asked next.
            lookupStarted = true
            phase = .lookingUp
            return effects.append(.lookUp(order.fileID))
        }
        finish(.failure(.descriptorNotFound(order.fileID)))
    }

    /// Asks the keepers not asked yet for placement records, up to n−k+3 of them (this peer included).
    private mutating func askForPlacement() {
        guard !order.descriptorOnly else { return }
        let wanted = descriptor.map { PutOperation.blobReplicas(for: $0.parameters) + 2 } ?? Self.defaultPlacementAsks
        var candidates = keepers
        if !candidates.contains(where: { $0.id == localPeer.id }) { candidates.append(localPeer) }
        let limit = min(wanted, candidates.count)
        guard placementAsked < limit else { return }
        for index in placementAsked..<limit {
            placementPending += 1
            // While the descriptor is wanted, the first keepers are asked for it in the same request
            // (`descriptorAsks` of them at once, as `askNextForDescriptor` would): three requests fewer per get.
            if descriptor == nil, index == descriptorCursor, index < keepers.count,
                descriptorInFlight < Self.descriptorAsks
            {
                descriptorCursor += 1
                descriptorInFlight += 1
                effects.append(
                    .send(
                        .locate(fileID: order.fileID, descriptor: true), to: candidates[index],
                        .locate(.located(keeper: index)), timeout: Self.blobTimeout))
            } else {
                effects.append(
                    .send(
                        .getBlob(kind: .placement, key: order.fileID), to: candidates[index], .locate(.placement),
                        timeout: Self.blobTimeout))
            }
        }
        placementAsked = limit
    }

    mutating func answered(_ step: LocateStep, response: Response?) {
        guard case .fetching = phase else { return }
        switch step {
        case .descriptor(let keeper):
            var bytes: ByteBuffer?
            if case .storage(.blob(let blob?))? = response { bytes = blob }
            descriptorAnswered(keeper: keeper, bytes: bytes)
        case .located(let keeper):
            // An error answer or none counts as neither: the descriptor is asked of the next keeper alone. (A peer
            // from before `locate` closes the connection on it, failing what else was in flight to it.)
            var (descriptorBytes, placementBytes): (ByteBuffer?, ByteBuffer?) = (nil, nil)
            if case .storage(.located(let found, let records))? = response {
                (descriptorBytes, placementBytes) = (found, records)
            }
            placementAnswered(placementBytes)
            descriptorAnswered(keeper: keeper, bytes: descriptorBytes)
        case .grant:
            guard grantPending, let key = order.grantKey else { return }
            if case .storage(.blob(let bytes?))? = response {
                if let found = try? AccessGrant(decoding: Array(bytes.readableBytesView)), found.grantee == owner,
                    found.fileID == order.fileID, descriptor.map({ found.verify(against: $0) }) ?? true
                {
                    grant = found
                    grantPending = false
                    return settle()
                }
                warnUnchecked(keepers[grantCursor - 1])
            }
            askNextForGrant(key: key)
        case .placement:
            var bytes: ByteBuffer?
            if case .storage(.blob(let blob?))? = response { bytes = blob }
            placementAnswered(bytes)
        }
    }

    /// Keeper `keeper` answered a descriptor request with `bytes` (nil: none, or no answer).
    private mutating func descriptorAnswered(keeper: Int, bytes: ByteBuffer?) {
        guard descriptorInFlight > 0 else { return }
        descriptorInFlight -= 1
        guard descriptor == nil else { return }
        if let bytes {
            let raw = Array(bytes.readableBytesView)
            if SHA256.hash(raw) == order.fileID, let found = try? Descriptor(decoding: raw), found.verifySignature() {
                descriptor = found
                askForPlacement()
                if found.owner == owner { grantPending = false }
                return settle()
            }
            warnUnchecked(keepers[keeper])
        }
        askNextForDescriptor()
    }

    /// A keeper answered a placement request with `bytes` (nil: none, or no answer).
    private mutating func placementAnswered(_ bytes: ByteBuffer?) {
        guard placementPending > 0 else { return }
        placementPending -= 1
        if let bytes { records += (try? PlacementRecord.decodeList(Array(bytes.readableBytesView))) ?? [] }
        settle()
    }

    private mutating func askNextForGrant(key: Key256) {
        guard grantCursor < keepers.count else {
            // No keeper has a grant for this peer: the reader is told it has no access, once the rest is in too
            // (so that the answer does not race the requests still out).
            grantPending = false
            return settle()
        }
        let keeper = keepers[grantCursor]
        grantCursor += 1
        effects.append(.send(.getBlob(kind: .grant, key: key), to: keeper, .locate(.grant), timeout: Self.blobTimeout))
    }

    /// Finishes once the descriptor, every placement answer and the grant (when one is needed) are in. A grant
    /// is checked against the descriptor here, as it may have come first.
    private mutating func settle() {
        guard case .fetching = phase, !descriptorPending, placementPending == 0, !grantPending, let descriptor
        else { return }
        if let key = order.grantKey, descriptor.owner != owner {
            guard let grant else { return finish(.failure(.noAccess(order.fileID))) }
            // A grant that came before the descriptor and does not check out against it: the next keeper's.
            guard grant.verify(against: descriptor) else {
                warnUnchecked(keepers[grantCursor - 1])
                self.grant = nil
                grantPending = true
                return askNextForGrant(key: key)
            }
        }
        let placement = FilePlacement(
            descriptor: descriptor, fileID: order.fileID, records: records, now: now, signatures: order.signatures)
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
    /// The descriptor, from `keepers[keeper]`.
    case descriptor(keeper: Int)
    /// The descriptor and the placement records in one request (`StorageRequest.locate`), from `keepers[keeper]`.
    case located(keeper: Int)
    case grant, placement
}
