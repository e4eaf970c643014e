import CairnWire

/// One blob (descriptor, placement records, grant) being stored at a file's keepers, counted as they answer.
///
/// Every keeper asked must hold it but one, or fewer than planned survive failures: n−k+1 keepers are asked
/// so that the blob survives what the shards survive.
struct BlobRound: Sendable {
    var kind = BlobKind.descriptor
    var asked = 0
    var pending = 0
    var stored = 0
    /// "keeper: reason", in the order they came.
    var refusals: [String] = []

    init() {}

    init(kind: BlobKind, asked: Int) {
        self.kind = kind
        self.asked = asked
        pending = asked
    }

    /// Keeper `keeper` answered `response`, or its request failed for `reason`.
    mutating func settle(keeper: PeerID, response: Response?, reason: String?) {
        pending -= 1
        switch response {
        case .storage(.stored)?: stored += 1
        case .error(let remote)?: refusals.append("\(keeper.shortHex): \(remote)")
        case .some: refusals.append("\(keeper.shortHex): an unexpected answer")
        case nil: refusals.append("\(keeper.shortHex): \(reason ?? "no answer")")
        }
    }

    /// Why the round failed, once every keeper settled; nil when enough took it.
    var failure: FileFailure? {
        guard stored == 0 || stored < asked - 1 else { return nil }
        // The keepers' reasons, one of each: a clock far off says so there (RecordRejection).
        var seen = Set<String>()
        let reasons = refusals.filter { seen.insert(String($0.drop { $0 != ":" })).inserted }.prefix(2)
        let what: String =
            switch kind {
            case .descriptor: "descriptor"
            case .placement: "placement records"
            case .grant: "access grant"
            }
        return .recordNotStored(
            "the \(what) (\(stored) of \(asked) keepers)"
                + (reasons.isEmpty ? "" : "; refused by " + reasons.joined(separator: "; ")))
    }
}
