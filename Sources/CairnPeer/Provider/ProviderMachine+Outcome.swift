import CairnStorage
import CairnWire
import NIOCore

extension ProviderMachine {
    /// A store operation finished: answers the request that waited for it, or takes the next step.
    mutating func completed(_ ticket: StoreTicket, _ outcome: StoreOutcome, now: Instant,
                            actions: inout [PeerAction]) {
        guard let item = waiting.removeValue(forKey: ticket) else { return }
        switch item {
        case .answer(let id, let reply):
            actions.append(.respond(id, answer(reply, outcome, now: now)))
        case .keep(let id, let keep, let limited):
            if limited, case .failed(let error) = outcome, case .freeAllowanceUsed = error {
                return wait(keep, id: id, refusal: error, actions: &actions)
            }
            actions.append(.respond(id, answer(keep.reply, outcome, now: now)))
        case .mergeLoad(let merge, let fileID):
            mergeLoaded(outcome, merge: merge, fileID: fileID, now: now, actions: &actions)
        case .mergeWrite(let id, let fileID):
            actions.append(.respond(id, answer(.stored, outcome, now: now)))
            nextMerge(of: fileID, actions: &actions)
        case .blobsDeleted(let fileID):
            if case .failed(let error) = outcome {
                actions.append(.log(PeerLogEntry(.warning, "a deleted file's descriptor could not be dropped",
                                                 ["cairn.file": fileID.hex, "cairn.error": "\(error)"])))
            }
        case .deferredDelete(let fileID):
            let fields = ["cairn.file": fileID.hex]
            if case .failed(let error) = outcome {
                actions.append(.log(PeerLogEntry(.warning, "a deferred delete failed",
                                                 fields.merging(["cairn.error": "\(error)"]) { $1 })))
            } else {
                actions.append(.log(PeerLogEntry(.info, "the file's agreement ended: its shards are deleted", fields)))
            }
        case .reclaim:
            reclaiming = false
            switch outcome {
            case .reclaimed(let released) where released.references > 0:
                actions.append(.log(PeerLogEntry(
                    .info, "reclaimed shards of uploads that were never confirmed",
                    ["cairn.references": "\(released.references)", "cairn.shards": "\(released.shards)"])))
            case .failed(let error):
                actions.append(.log(PeerLogEntry(.warning, "could not reclaim pending shards",
                                                 ["cairn.error": "\(error)"])))
            default:
                break
            }
        }
    }

    /// The response a request gets from its outcome.
    private func answer(_ reply: Reply, _ outcome: StoreOutcome, now: Instant) -> Response {
        if case .failed(let error) = outcome { return .error(Self.remoteError(for: error)) }
        switch (reply, outcome) {
        case (.stored, .written), (.stored, .done):
            return .storage(.stored)
        case (.shard, .shard(let bytes)):
            return .storage(.shard(bytes))
        case (.holding, .holding(let flags)):
            return .storage(.holding(flags))
        case (.proof(_, _), .proof(let leaf, let path)):
            return .storage(.proof(leaf: leaf, leafCount: UInt32(path.leafCount), path: path.path))
        case (.proof(let shard, let leaf), .noSuchLeaf):
            return .error(RemoteError(code: .badRequest, message: "shard \(shard.hex) has no leaf \(leaf)"))
        case (.capacity, .capacity(let total, let used, let free)):
            return .storage(.capacity(total: total, used: used, free: free, now: now))
        case (.blob, .blob(let bytes)):
            return .storage(.blob(bytes))
        case (.located(let wanted), .placement(let descriptor, let records)):
            // Both must fit one answer. When they do not, the descriptor goes alone: a reader takes "no
            // descriptor" for "not kept here" and would never ask this keeper again, while the records of the
            // other keepers it asks will do.
            let sent = wanted ? descriptor : nil
            let fits = (sent?.count ?? 0) + (records?.count ?? 0) <= StorageRequest.maxBlobBytes
            return .storage(.located(descriptor: sent.map { ByteBuffer(bytes: $0) },
                                     placement: fits ? records.map { ByteBuffer(bytes: $0) } : nil))
        case (.deleted, .deleted(let count)):
            return .storage(.deleted(shards: count))
        case (.confirm(let fileID, let count, let entries), .confirmed(let kept)):
            // The holder's own word for where these shards sit, for the keepers and every reader.
            let record = kept == count && !entries.isEmpty ? placementRecord(fileID, entries, now: now) : nil
            return .storage(.confirmed(shards: kept, placement: record))
        case (.adopt(let fileID, let count, let entries), .confirmed(let kept)):
            guard kept == count else {
                return .error(RemoteError(code: .notFound, message: "only \(kept) of the \(count) shards to adopt "
                    + "are stored here for file \(fileID.hex)"))
            }
            return .storage(.confirmed(shards: kept, placement: placementRecord(fileID, entries, now: now)))
        default:
            return .error(RemoteError(code: .internalError, message: "the store answered \(outcome) to \(reply)"))
        }
    }

    private func placementRecord(_ fileID: Key256, _ entries: [PlacementRecord.Entry], now: Instant)
        -> PlacementRecord
    {
        PlacementRecord(fileID: fileID, holder: settings.holder, addresses: settings.addresses, entries: entries,
                        issued: now, expires: now + config.placementLifetime)
    }

    /// The kept descriptor and records of a file came back: merge, then write; refused when no descriptor is
    /// kept here (its owner is the one who may delete the records with it).
    ///
    /// The holders' signatures are checked unless the file's owner sent the records (the connection
    /// authenticated it): the owner checked each holder's record as it came (`ConfirmRound.settle`), it decides
    /// where its own file is, and a record it forged would only send readers of its own file to the wrong peer,
    /// which every shard's check against the descriptor catches. The signatures guard a file against everyone
    /// else. A put sends n records to each of n−k+1 keepers: 40 Ed25519 verifications (about 130 µs each here)
    /// per 4-of-8 put, the largest single CPU cost of a small put.
    private mutating func mergeLoaded(_ outcome: StoreOutcome, merge: PendingMerge, fileID: Key256, now: Instant,
                                      actions: inout [PeerAction]) {
        let id = merge.id
        let refusal: RemoteError
        switch outcome {
        case .placement(let stored?, let records):
            guard let descriptor = try? Descriptor(decoding: stored) else {
                refusal = RemoteError(code: .refused,
                                      message: "the descriptor of \(fileID.hex) kept here is unreadable")
                break
            }
            guard merge.sender == descriptor.owner.peerID || merge.incoming.allSatisfy(\.isSigned) else {
                refusal = RemoteError(code: .refused,
                                      message: "a placement record for \(fileID.hex) has a bad holder signature")
                break
            }
            let kept = records.flatMap { try? PlacementRecord.decodeList($0) } ?? []
            let merged = PlacementMerge.merge(kept: kept, incoming: merge.incoming, now: now)
            store(.putBlob(kind: .placement, key: fileID, bytes: PlacementRecord.encodeList(merged),
                           owner: descriptor.owner),
                  for: .mergeWrite(id, fileID: fileID), actions: &actions)
            return
        case .placement(nil, _):
            refusal = RemoteError(code: .refused,
                                  message: "no descriptor of \(fileID.hex) is kept here for its placement")
        case .failed(let error):
            refusal = Self.remoteError(for: error)
        default:
            refusal = RemoteError(code: .internalError, message: "the store answered \(outcome) to a placement load")
        }
        actions.append(.respond(id, .error(refusal)))
        nextMerge(of: fileID, actions: &actions)
    }
}
