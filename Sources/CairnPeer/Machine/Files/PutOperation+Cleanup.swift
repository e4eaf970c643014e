import CairnStorage
import CairnWire

/// Step 4 of a put: a put that fails at any point after the first shard is placed removes what it placed
/// before it reports the failure (issue 6, item 6).
extension PutOperation {
    /// Fails the put with `failure`: each holder gets the owner's signed delete order for its shards under the
    /// file nonce (those still on their way included), and the keepers (and this peer, which serves the descriptor of the files it provides) one
    /// for the descriptor and placement once they may be stored. Best effort: a holder that cannot be reached
    /// reclaims the shards itself once its grace period has passed, as they were never confirmed. The failure
    /// is answered once every order settled.
    mutating func fail(_ failure: FileFailure) {
        switch phase {
        case .draining, .cleaningUp, .over: return
        default: break
        }
        self.failure = failure
        // Agreements already submitted would have their providers challenged for shards the cleanup deletes.
        if !agreementIDs.isEmpty { effects.append(.endAgreements(agreementIDs)) }
        shards = [:]
        planner?.abandon()
        // Shards and blobs still on their way may land after a delete order meant for them: their answers come
        // first.
        guard isDrained else { return phase = .draining }
        cleanUp()
    }

    /// No shard or blob request of this put is waiting for its answer.
    var isDrained: Bool { shardRequests == 0 && blobs.isSettled }

    /// Every shard request has settled: the delete orders go.
    mutating func cleanUp() {
        var targets: [PeerID: (holder: PeerInfo, shards: [ShardID])] = [:]
        for (id, stored) in planner?.stored ?? [:] { targets[id] = (stored.holder, stored.shardIDs) }
        for (id, offered) in planner?.offered ?? [:] {
            targets[id, default: (offered.holder, [])].shards += offered.shardIDs
        }
        if fileID != nil {
            for keeper in keepers + [localPeer] where targets[keeper.id] == nil { targets[keeper.id] = (keeper, []) }
        }
        guard !targets.isEmpty else { return over() }
        phase = .cleaningUp
        // Without a descriptor there is no file ID: the zero key names no blob, so only shards go.
        for (holder, shardIDs) in targets.values.sorted(by: { $0.holder.id < $1.holder.id }) {
            for batch in batches(shardIDs, of: DeleteOrder.maxShards) {
                let order = DeleteOrder(
                    fileID: fileID ?? .zero, fileNonce: order.fileNonce, shardIDs: batch,
                    owner: identity, issued: now)
                cleanupPending += 1
                effects.append(.send(.delete(order), to: holder, .delete, timeout: .seconds(10)))
            }
        }
    }

    mutating func deleteAnswered(_ response: Response?) {
        guard case .cleaningUp = phase else { return }
        if case .storage(.deleted(let count))? = response { deleted += count }
        cleanupPending -= 1
        guard cleanupPending == 0 else { return }
        let placed = (planner?.stored.values).map { $0.reduce(0) { $0 + $1.shardIDs.count } } ?? 0
        effects.append(
            .log(
                PeerLogEntry(
                    .notice, "put failed; removed the shards it had placed",
                    [
                        "cairn.file.nonce": order.fileNonce.shortHex, "cairn.shards.placed": "\(placed)",
                        "cairn.shards.deleted": "\(deleted)", "cairn.error": "\(failure.map { "\($0)" } ?? "aborted")",
                    ])))
        over()
    }

    /// The driver gave up (the body was cut short, or was not what it announced): clean up, answer when done.
    mutating func abort(reason: String, command: CommandID) {
        waiter = command
        switch phase {
        case .draining, .cleaningUp: return
        case .over: return answer(.putAborted)
        default: fail(.invalidRequest(reason))
        }
    }

    /// The put is over. A failure nobody waits for yet is kept until the driver's next command asks.
    private mutating func over() {
        phase = .over
        if let failure {
            guard waiter != nil else { return }
            answer(.fileFailed(failure))
        }
        effects.append(.finished)
    }
}
