import CairnStorage
import CairnWire

/// Challenges for a check: each names a shard (segment, slot) and the leaf to prove. The leaves are drawn
/// by the driver (the machine reads no random source, so that a simulation replays the same run).
public struct AuditOrder: Sendable {
    public var layout: PlacedFile
    public var holders: [PeerID: PeerInfo]
    public var challenges: [StorageChallenge]

    public init(layout: PlacedFile, holders: [PeerID: PeerInfo], challenges: [StorageChallenge]) {
        self.layout = layout
        self.holders = holders
        self.challenges = challenges
    }
}

/// Auditing holders: every challenged holder is asked for its leaf with the Merkle path (20 s), and the proof
/// is checked against the descriptor's slot root. A wrong proof, a corrupt or missing shard, no address or no
/// answer fail the challenge. Answered with `.audited(failed:)`.
struct AuditOperation: OwnerOperation {
    static let timeout: Duration = .seconds(20)

    let id: CommandID
    let order: AuditOrder
    var pending = 0
    var failed: [StorageChallenge] = []
    var now: Instant = .zero
    var effects: [OwnerEffect] = []

    init(id: CommandID, order: AuditOrder) {
        self.id = id
        self.order = order
    }

    mutating func start() {
        let descriptor = order.layout.descriptor
        for (index, challenge) in order.challenges.enumerated() {
            let holder = order.layout.segments[challenge.segment].holders[challenge.slot]
            guard let info = order.holders[holder] else {
                failed.append(challenge)
                continue
            }
            pending += 1
            let shard = descriptor.shardIDs[challenge.segment][challenge.slot]
            effects.append(
                .send(
                    .prove(id: shard, leaf: UInt32(challenge.leaf)), to: info, .audit(challenge: index),
                    timeout: Self.timeout))
        }
        settled()
    }

    mutating func answered(challenge index: Int, response: Response?, reason: String?) {
        guard pending > 0, index < order.challenges.count else { return }
        pending -= 1
        let challenge = order.challenges[index]
        if let error = verify(challenge, response: response, reason: reason) {
            failed.append(challenge)
            let holder = order.layout.segments[challenge.segment].holders[challenge.slot]
            effects.append(
                .log(
                    PeerLogEntry(
                        .warning, "a holder failed a storage audit",
                        [
                            "cairn.file": order.layout.fileID.hex, "cairn.remote": holder.shortHex,
                            "cairn.error": error,
                        ])))
        }
        settled()
    }

    /// Why `response` does not prove `challenge`, or nil when it does.
    private func verify(_ challenge: StorageChallenge, response: Response?, reason: String?) -> String? {
        let descriptor = order.layout.descriptor
        let slotIDs = descriptor.shardIDs(ofSlot: challenge.slot)
        guard case .storage(.proof(let bytes, let leafCount, let path))? = response else {
            if case .error(let remote)? = response { return "\(remote)" }
            return reason ?? "an unexpected answer"
        }
        guard let slotPath = MerkleTree(leaves: slotIDs).proof(forLeafAt: challenge.segment) else {
            return "the descriptor has no segment \(challenge.segment)"
        }
        let proof = StorageProof(
            segment: challenge.segment, leaf: challenge.leaf, leafBytes: Array(bytes.readableBytesView),
            shardPath: MerkleProof(leafIndex: challenge.leaf, leafCount: Int(leafCount), path: path),
            shardID: slotIDs[challenge.segment], slotPath: slotPath)
        do {
            try proof.verify(
                challenge, slotRoot: descriptor.slotRoot(challenge.slot),
                segmentCount: descriptor.segmentCount,
                shardLength: descriptor.shardLength(ofSegment: challenge.segment))
            return nil
        } catch {
            return "\(error)"
        }
    }

    private mutating func settled() {
        guard pending == 0 else { return }
        effects.append(.deliver(id, .audited(failed: failed)))
        effects.append(.finished)
    }
}
