import CairnStorage
import CairnWire

/// A blob (a grant, a descriptor or placement records after a repair) to store at the peers closest to its key.
public struct BlobOrder: Sendable {
    public var kind: BlobKind
    public var key: Key256
    public var bytes: [UInt8]
    /// How many of the closest peers keep it (n−k+1 for a file's blobs, at least 3).
    public var replicas: Int

    public init(kind: BlobKind, key: Key256, bytes: [UInt8], replicas: Int) {
        self.kind = kind
        self.key = key
        self.bytes = bytes
        self.replicas = replicas
    }
}

/// Storing one blob: a lookup of its key, then the `replicas` closest peers asked at once (30 s each); every
/// one of them but one must take it (`BlobRound`). Answered with `.blobStored(count)`.
struct BlobStoreOperation: OwnerOperation {
    let id: CommandID
    let order: BlobOrder
    var round = BlobRound()
    var now: Instant = .zero
    var effects: [OwnerEffect] = []

    init(id: CommandID, order: BlobOrder) {
        self.id = id
        self.order = order
    }

    mutating func start() {
        effects.append(.lookUp(order.key))
    }

    mutating func lookedUp(_ closest: [PeerInfo]?) {
        guard let closest else { return finish(.fileFailed(.unexpectedResponse("a lookup"))) }
        round = BlobRound(kind: order.kind, key: order.key, bytes: order.bytes,
                          keepers: Array(closest.prefix(order.replicas)),
                          timeout: .seconds(30), effects: &effects)
        if round.isSettled { settled() }
    }

    mutating func answered(keeper position: Int, response: Response?, reason: String?) {
        if round.answered(keeper: position, response: response, reason: reason) { settled() }
    }

    private mutating func settled() {
        if let failure = round.failure { return finish(.fileFailed(failure)) }
        finish(.blobStored(round.stored))
    }

    private mutating func finish(_ result: PeerCommandResult) {
        effects.append(.deliver(id, result))
        effects.append(.finished)
    }
}
