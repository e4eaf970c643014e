import CairnCrypto
import CairnWire
import NIOCore

/// Catching up: heights peers report, block ranges pulled and applied after their commits verify.
extension ChainMachine {
    /// `peer` says it committed up to `height` with `tip`.
    mutating func statusArrived(height: Height, tip: Key256, from peer: PeerID, now: Instant) {
        if height == ledger.height, tip != ledger.lastBlockHash, height > 0 {
            log(.warning, "peer \(peer.shortHex) reports block \(tip.shortHex) at height \(height), this peer has "
                + "\(ledger.lastBlockHash.shortHex): one of the two is not on this chain")
            return
        }
        sync.peerReported(peer, height: height)
        if height > ledger.height, height > heightSource?.height ?? 0 { heightSource = (height, peer) }
        // A peer behind this one hears of it now, not only if it happens to be among this peer's neighbours:
        // "nearest neighbour" is not symmetric, and a peer that is no one's neighbour would otherwise never
        // learn a height to sync to (a simulated follower stayed at height 0 while 1,100 blocks went by). Only
        // a peer behind is answered, so two peers never answer each other back and forth.
        if height < ledger.height {
            actions.append(.announce(.status(height: ledger.height, tip: ledger.lastBlockHash), to: peer))
        }
        // A validator deciding the next height itself waits for the regossip tick before pulling it: the
        // precommits that decide it are usually a moment away.
        if let machine = consensus, machine.height == height, machine.decision == nil { return }
        requestBlocks()
    }

    /// Sends the block requests the sync plans.
    mutating func requestBlocks() {
        for request in sync.nextRequests() {
            newRequest(
                .blocks(from: request.from),
                .getBlocks(from: request.from, maxCount: UInt16(clamping: request.count)), to: request.peer)
        }
    }

    /// Blocks arrived for the range from `from` (nil: the request failed).
    mutating func blocksArrived(from: Height, _ blocks: [CommittedBlockBytes]?, now: Instant) {
        if let blocks {
            sync.received(from: from, blocks: blocks)
        } else {
            sync.failed(from: from)
        }
        applySyncedBlocks(now: now)
        requestBlocks()
    }

    /// Applies the blocks that arrived in height order, each after its commit verifies against the validator
    /// set of its height; stores them in one write.
    mutating func applySyncedBlocks(now: Instant) {
        var stored: [StoredBlock] = []
        while let next = sync.peekNext() {
            let height = sync.nextHeight
            guard height == ledger.height + 1 else {
                sync.applied(height: ledger.height)
                continue
            }
            switch verify(next, height: height) {
            case .failure(let reason):
                log(.warning, "a synced block at height \(height) was refused: \(reason)")
                sync.rejected(height: height)
            case .success(let (block, commit, body, encoded)):
                // The commit proves that more than 2/3 of the power checked every transaction.
                guard let entry = applyCommitted(
                    block, encoded: encoded, body: body, commit: commit, encodedCommit: next.commit,
                    signaturesVerified: true)
                else {
                    sync.rejected(height: height)
                    continue
                }
                stored.append(entry)
            }
        }
        guard let last = stored.last else { return }
        if let machine = consensus, machine.height <= ledger.height { consensus = nil }
        write(.blocks(stored), then: .synced(last.height))
    }

    /// The synced block decoded, with its commit verified, and the block's bytes (shared with the other peers of
    /// a simulated network that synced them); or why it was refused.
    private func verify(_ synced: SyncedBlock, height: Height)
        -> Result<(Block, Commit, [UInt8], ByteBuffer), SyncRefusal>
    {
        var commitBytes = synced.commit
        let commit: Commit
        do {
            guard let decoded = try commitBytes.readCommit(), commitBytes.readableBytes == 0 else {
                return .failure(.undecodable("commit: truncated or trailing bytes"))
            }
            commit = decoded
        } catch {
            return .failure(.undecodable("commit: \(error)"))
        }
        let block: Block
        let body: [UInt8]
        var encoded = synced.block
        if let known = config.appliedBlocks?.decoded(hash: commit.blockHash, bytes: synced.block) {
            (block, body, encoded) = (known.block, known.body, known.encoded)
        } else {
            do {
                body = Array(synced.block.readableBytesView)
                block = try Block(decoding: body, params: params)
            } catch {
                return .failure(.undecodable("block: \(error)"))
            }
            config.appliedBlocks?.rememberDecoded(
                AppliedBlockMemo.DecodedBlock(block: block, body: body, encoded: synced.block))
        }
        guard block.header.height == height, commit.height == height, commit.blockHash == block.hash else {
            return .failure(.mismatch(height: height))
        }
        do {
            try commit.verify(chainID: chainID, validators: validators, encoded: synced.commit)
        } catch {
            return .failure(.commit(error))
        }
        return .success((block, commit, body, encoded))
    }

    /// Synced blocks are stored: once caught up, a validator takes part in consensus again.
    mutating func resumeAfterSync(now: Instant) {
        guard !sync.isBehind else { return requestBlocks() }
        startConsensusIfValidator(now: now)
    }
}

/// Why a block from sync was refused.
enum SyncRefusal: Error, CustomStringConvertible {
    case undecodable(String)
    case mismatch(height: Height)
    case commit(CommitError)

    var description: String {
        switch self {
        case .undecodable(let what): "it does not decode (\(what))"
        case .mismatch(let height): "the block, its commit and height \(height) do not match"
        case .commit(let error): "its commit does not verify: \(error)"
        }
    }
}
