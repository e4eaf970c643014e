import CairnDHT
import CairnWire
import NIOCore

/// One blob (descriptor, placement records, grant) being stored at a file's keepers, counted as they answer.
///
/// Every keeper asked must hold it but one, or fewer than planned survive failures: n−k+1 keepers are asked
/// so that the blob survives what the shards survive. A keeper that stores nothing at all (a peer run without
/// capacity, such as a validator only) answers `noCapacity` and is not counted: it could never be one.
struct BlobRound: Sendable {
    var kind = BlobKind.descriptor
    var keepers: [PeerInfo] = []
    var asked: Int { keepers.count }
    var pending = 0
    var stored = 0
    /// Keepers that store nothing at all (`noCapacity`).
    var storeNothing = 0
    /// "keeper: reason", in the order they came.
    var refusals: [String] = []

    init() {}

    /// Starts a round: one `putBlob` of `bytes` under `key` to each keeper at once, appended to `effects`; the
    /// answers come back through `answered(keeper:response:reason:)` by the keeper's position.
    init(kind: BlobKind, key: Key256, bytes: [UInt8], provider record: ProviderRecord? = nil, keepers: [PeerInfo],
         timeout: Duration, effects: inout [OwnerEffect]) {
        self.kind = kind
        self.keepers = keepers
        pending = keepers.count
        let payload = ByteBuffer(bytes: bytes)
        for (position, keeper) in keepers.enumerated() {
            effects.append(
                .send(
                    .putBlob(kind: kind, key: key, provider: record, bytes: payload), to: keeper,
                    .blob(keeper: position), timeout: timeout))
        }
    }

    /// True once every keeper asked has answered or failed (at once for a round with no keeper).
    var isSettled: Bool { pending == 0 }

    /// The keeper at `position` answered `response`, or its request failed for `reason`. Returns true when this
    /// settled the round; an answer for no keeper of the round, or after it settled, is ignored.
    mutating func answered(keeper position: Int, response: Response?, reason: String?) -> Bool {
        guard position < keepers.count, pending > 0 else { return false }
        settle(keeper: keepers[position].id, response: response, reason: reason)
        return pending == 0
    }

    private mutating func settle(keeper: PeerID, response: Response?, reason: String?) {
        pending -= 1
        switch response {
        case .storage(.stored)?: stored += 1
        case .error(let remote)? where remote.code == .noCapacity: storeNothing += 1
        case .error(let remote)?: refusals.append("\(keeper.shortHex): \(remote)")
        case .some: refusals.append("\(keeper.shortHex): an unexpected answer")
        case nil: refusals.append("\(keeper.shortHex): \(reason ?? "no answer")")
        }
    }

    /// Why the round failed, once every keeper settled; nil when enough took it.
    var failure: FileFailure? {
        guard stored == 0 || stored < asked - storeNothing - 1 else { return nil }
        // The keepers' reasons, one of each: a clock far off says so there (RecordRejection).
        var seen = Set<String>()
        let reasons = refusals.filter { seen.insert(String($0.drop { $0 != ":" })).inserted }.prefix(2)
        let what: String =
            switch kind {
            case .descriptor: "descriptor"
            case .placement: "placement records"
            case .grant: "access grant"
            }
        let without = storeNothing > 0 ? ", \(storeNothing) storing nothing" : ""
        return .recordNotStored(
            "the \(what) (\(stored) of \(asked) keepers\(without))"
                + (reasons.isEmpty ? "" : "; refused by " + reasons.joined(separator: "; ")))
    }
}
