import CairnCrypto
import CairnStorage
import CairnWire

/// The gate of issue 9 item 2: on a network with a storage market, a provider keeps a file's shards for good
/// (confirmation or adoption) only under an open agreement for the file with it on the committed chain, or
/// within the free allowance the genesis sets (`MarketParameters.freeAllowanceBytes`, for test networks).
///
/// Shards arrive pending as before; the confirmation is the gate. With no agreement, the store carries the
/// confirmation out only within `KeptBytesLimit` (it alone knows the bytes). Over it, the confirmation waits
/// here instead of being refused at once: the owner submits its agreements right before it confirms, so the
/// agreement is usually a block or two away. Every committed block looks again (`blockCommitted`); the
/// confirmation is carried out once the agreement is there, and refused after `agreementWaitBlocks` blocks.
extension ProviderMachine {
    /// What the committed chain says of keeping a file's shards here.
    enum KeepTerms: Equatable, Sendable {
        /// No market on this network.
        case unlimited
        /// An open agreement for the file with this provider: kept without limit, and a delete order waits
        /// until the agreement has ended (`deferredDeletes`).
        case agreement
        /// No agreement (yet): only within the free allowance.
        case allowance(KeptBytesLimit)

        var limit: KeptBytesLimit? {
            if case .allowance(let limit) = self { limit } else { nil }
        }
    }

    /// A confirmation or an adoption: what the store confirms, and how its outcome answers the request.
    struct Keep: Sendable {
        var fileID: Key256
        var reference: ShardReference
        var shards: [ShardID]
        var reply: Reply

        /// The same order again (an owner's resend after a timeout).
        func isResend(of other: Keep) -> Bool {
            fileID == other.fileID && reference == other.reference && shards == other.shards
        }
    }

    /// A confirmation refused by the allowance, waiting for its agreement.
    struct WaitingKeep: Sendable {
        var id: InboundID
        var keep: Keep
        var blocksLeft: Int
        var refusal: StorageError
    }

    /// When a resend of `keep` already waits: the older request is answered "superseded", the wait answers
    /// request `id` from now on and keeps its start, so that resends do not stretch it. False when none waits.
    private mutating func supersedeWaiting(_ keep: Keep, by id: InboundID, actions: inout [PeerAction]) -> Bool {
        guard let index = waitingKeeps.firstIndex(where: { $0.keep.isResend(of: keep) }) else { return false }
        let superseded = RemoteError(code: .refused, message: "superseded by a resend of the same confirmation")
        actions.append(.respond(waitingKeeps[index].id, .error(superseded)))
        waitingKeeps[index].id = id
        return true
    }

    /// Starts a confirmation or adoption under `terms`; a resend of one that already waits takes its place.
    mutating func keep(_ keep: Keep, id: InboundID, terms: KeepTerms, actions: inout [PeerAction]) {
        // The owner gave up on the first request (timeout) and sent it again.
        if supersedeWaiting(keep, by: id, actions: &actions) { return }
        store(
            .confirmShards(reference: keep.reference, shards: keep.shards, limit: terms.limit),
            for: .keep(id, keep, limited: terms.limit != nil), actions: &actions)
    }

    /// The store refused a confirmation over the free allowance: it waits for its agreement, or is refused
    /// at once when too many already wait.
    mutating func wait(_ keep: Keep, id: InboundID, refusal: StorageError, actions: inout [PeerAction]) {
        // A resend that reached the store while the first was still there: one wait.
        if supersedeWaiting(keep, by: id, actions: &actions) { return }
        guard waitingKeeps.count < config.maxWaitingConfirmations else {
            let message = "\(refusal) (\(waitingKeeps.count) confirmations already wait for agreements here)"
            return actions.append(.respond(id, .error(RemoteError(code: .refused, message: message))))
        }
        waitingKeeps.append(WaitingKeep(id: id, keep: keep, blocksLeft: config.agreementWaitBlocks, refusal: refusal))
        actions.append(
            .log(
                PeerLogEntry(
                    .info, "a confirmation waits for a storage agreement",
                    [
                        "cairn.file": keep.fileID.hex, "cairn.error": "\(refusal)",
                    ])))
    }

    /// A block was committed: each waiting confirmation whose agreement is now there is carried out; one that
    /// has waited `agreementWaitBlocks` blocks is refused.
    mutating func blockCommitted(terms: (Key256) -> KeepTerms, actions: inout [PeerAction]) {
        carryOutDeferredDeletes(terms: terms, actions: &actions)
        guard !waitingKeeps.isEmpty else { return }
        let waiting = waitingKeeps
        waitingKeeps = []
        for var entry in waiting {
            if terms(entry.keep.fileID).limit == nil {
                store(
                    .confirmShards(reference: entry.keep.reference, shards: entry.keep.shards, limit: nil),
                    for: .keep(entry.id, entry.keep, limited: false), actions: &actions)
                continue
            }
            entry.blocksLeft -= 1
            guard entry.blocksLeft <= 0 else {
                waitingKeeps.append(entry)
                continue
            }
            let message =
                "no storage agreement for file \(entry.keep.fileID.shortHex)… with this provider was "
                + "committed within \(config.agreementWaitBlocks) blocks, and \(entry.refusal)"
            actions.append(.respond(entry.id, .error(RemoteError(code: .refused, message: message))))
        }
    }
}

/// Deletes under an open agreement (issue 9): a provider that dropped a file's shards on the owner's order while
/// the agreement was still open (its end not yet committed) could not answer the next challenge, and the chain
/// would fine it for shards it rightly dropped. So the shards wait, the order answered at once, until the
/// committed chain no longer shows an open agreement for the file with this provider (ended, expired or repaired
/// away); they are proved, and paid for, until then. The descriptor and placement records go at once: for
/// readers the file is deleted.
extension ProviderMachine {
    /// Takes a checked delete order under `terms`: carried out now, or kept until the agreement has ended and
    /// answered with the shards it names. False when it must be carried out now.
    mutating func deferDelete(_ order: DeleteOrder, terms: KeepTerms, id: InboundID, actions: inout [PeerAction])
        -> Bool
    {
        let room = deferredDeletes.count < config.maxDeferredDeletes || deferredDeletes[order.fileID] != nil
        guard terms == .agreement, room else { return false }
        deferredDeletes[order.fileID] = order
        // The file is gone for readers at once: its descriptor and placement go now, only the shards wait.
        store(.deleteFile(fileID: order.fileID, reference: order.reference, shards: [], owner: order.owner),
              for: .blobsDeleted(fileID: order.fileID), actions: &actions)
        actions.append(.respond(id, .storage(.deleted(shards: order.shardIDs.count))))
        actions.append(
            .log(
                PeerLogEntry(
                    .info, "a delete waits for the file's storage agreement to end",
                    ["cairn.file": order.fileID.hex, "cairn.shards": "\(order.shardIDs.count)"])))
        return true
    }

    /// Carries out the deferred deletes whose agreement the committed chain no longer shows open.
    mutating func carryOutDeferredDeletes(terms: (Key256) -> KeepTerms, actions: inout [PeerAction]) {
        for (fileID, order) in deferredDeletes.sorted(by: { $0.key < $1.key }) where terms(fileID) != .agreement {
            deferredDeletes[fileID] = nil
            store(.releaseShards(reference: order.reference, shards: order.shardIDs),
                  for: .deferredDelete(fileID: fileID), actions: &actions)
        }
    }
}
