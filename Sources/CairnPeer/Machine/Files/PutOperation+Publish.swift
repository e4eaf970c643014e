import CairnChain
import CairnMarket
import CairnStorage
import CairnWire
import NIOCore

/// Step 3 of a put: the descriptor (once every segment is fed) and, once every segment is placed too, the
/// confirmations alongside; once both are done, the placement records.
extension PutOperation {
    /// Signs the descriptor and looks up its keepers. It names no holder, so moving a shard later changes
    /// neither the file ID nor any capability.
    mutating func publish() {
        guard let shardIDs = planner?.shardIDs else {
            return fail(.placementFailed(segment: planner?.segmentCount ?? 0, reason: "it was never uploaded"))
        }
        let descriptor: Descriptor
        do {
            descriptor = try Descriptor(
                fileSize: fileSize, parameters: order.parameters, fileNonce: order.fileNonce,
                shardIDs: shardIDs, created: now, metadata: FileMetadata(name: order.name),
                fileKey: order.fileKey, owner: identity, sealingSeed: order.sealingSeed)
        } catch {
            return fail(.invalidRequest("\(error)"))
        }
        self.descriptor = descriptor
        encodedDescriptor = descriptor.encoded()
        let fileID = SHA256.hash(encodedDescriptor)
        self.fileID = fileID
        publication = .lookingUp
        effects.append(.lookUp(fileID))
        // Confirming needs only the file ID: it overlaps the descriptor's lookup and storage.
        if planner?.isIdle == true { startConfirming() }
    }

    /// The lookup of the file ID found `closest` (nil when it failed); `record` is this peer's provider record
    /// for the file, which rides along with the descriptor so that both are found by any lookup of the ID.
    mutating func lookedUp(_ closest: [PeerInfo]?, record: ProviderRecord?) {
        guard phase.isPublishing, publication == .lookingUp else { return }
        guard let closest else { return fail(.unexpectedResponse("a lookup")) }
        keepers = Array(closest.prefix(Self.blobReplicas(for: order.parameters)))
        publication = .storing
        storeBlob(.descriptor, bytes: encodedDescriptor, provider: record)
    }

    /// Stores a blob at the keepers, and here too when this peer is not one of them: as a provider of the file
    /// it serves the descriptor and placement of what it holds.
    private mutating func storeBlob(_ kind: BlobKind, bytes: [UInt8], provider record: ProviderRecord?) {
        guard let fileID else { return }
        var targets = keepers
        if !targets.contains(where: { $0.id == localPeer.id }) { targets.append(localPeer) }
        blobs = BlobRound(
            kind: kind, key: fileID, bytes: bytes, provider: record, keepers: targets,
            timeout: .seconds(30), effects: &effects)
        if blobs.isSettled { blobRoundSettled() }
    }

    mutating func blobAnswered(keeper position: Int, response: Response?, reason: String?) {
        if blobs.answered(keeper: position, response: response, reason: reason) { blobRoundSettled() }
    }

    private mutating func blobRoundSettled() {
        switch phase {
        case .draining:
            if isDrained { cleanUp() }
        case .placing, .confirming:
            if let failure = blobs.failure { return fail(failure) }
            publication = .stored
            if case .confirming = phase, confirmation.pending == 0 { confirmed() }
        case .storingPlacement:
            if let failure = blobs.failure { return fail(failure) }
            succeed()
        default:
            break
        }
    }

    // MARK: - Confirmations

    mutating func startConfirming() {
        guard let fileID, let planner else { return }
        requestAgreements(fileID: fileID)
        phase = .confirming
        let positions = planner.positions()
        if case .agreements = market {
            // Each provider's market agent needs the descriptor for its slot's shard IDs: a copy goes to every
            // holder ahead of its confirmation, where the agent would otherwise look up the file's keepers and ask
            // them (a lookup and about three requests per provider and put). Nothing waits for its answer:
            // without the copy, the agent asks the keepers as before.
            let copy = ByteBuffer(bytes: encodedDescriptor)
            for held in positions where held.holder.id != localPeer.id {
                effects.append(
                    .send(.putBlob(kind: .descriptor, key: fileID, provider: nil, bytes: copy), to: held.holder,
                          .descriptorCopy, timeout: .seconds(30)))
            }
        }
        confirmation = ConfirmRound(positions, fileID: fileID, fileNonce: order.fileNonce, owner: identity, now: now)
        run(confirmation.start())
        if confirmation.pending == 0 { confirmed() }
    }

    mutating func confirmAnswered(holder: Int, response: Response?, reason: String?) {
        guard case .confirming = phase else { return }
        run(confirmation.settle(
            holder: holder, response: response, reason: reason, now: now, clockTolerance: clockTolerance))
        if confirmation.pending == 0 { confirmed() }
    }

    mutating func timerFired(_ timer: OwnerTimer) {
        switch timer {
        case .confirmRetry(let holder):
            guard case .confirming = phase else { return }
            run(confirmation.resend(holder: holder))
        case .hedge:
            break
        }
    }

    private mutating func run(_ steps: [ConfirmRound.Step]) {
        for step in steps {
            switch step {
            case .send(let order, let holder, let index):
                effects.append(.send(.confirm(order), to: holder, .confirm(holder: index), timeout: .seconds(30)))
            case .retry(let holder, let delay):
                effects.append(.arm(.confirmRetry(holder: holder), at: now + delay))
            }
        }
    }

    private mutating func confirmed() {
        if let failure = confirmation.failure {
            // A provider may refuse for want of an agreement: why the put opened none is part of the story.
            if case .recordNotStored(let what) = failure, agreementIDs.isEmpty, let agreementsNote {
                return fail(.recordNotStored("\(what); \(agreementsNote)"))
            }
            return fail(failure)
        }
        // The placement goes to the descriptor's keepers: once they have it (`blobRoundSettled`).
        guard publication == .stored else { return }
        let records = confirmation.records.sorted { ($0.holder, $0.issued) < ($1.holder, $1.issued) }
        placementBlob = PlacementRecord.encodeList(records)
        phase = .storingPlacement
        storeBlob(.placement, bytes: placementBlob, provider: nil)
    }

    private mutating func succeed() {
        guard let fileID, let descriptor, let segments = planner?.segments else { return }
        phase = .over
        var summary = PutSummary(
            fileID: fileID, descriptor: descriptor, encodedDescriptor: encodedDescriptor,
            placement: placementBlob, segments: segments.count,
            providers: Set(segments.flatMap(\.holders)).count)
        summary.agreementsTransaction = agreementsTransaction
        summary.agreements = agreementIDs
        summary.agreementsNote = agreementsNote
        effects.append(.log(PeerLogEntry(.info, "put stored a file", [
            "cairn.file": fileID.hex, "cairn.file.bytes": "\(fileSize)",
            "cairn.agreements.tx": agreementsTransaction?.hex ?? "none",
        ])))
        answer(.putFinished(summary))
        effects.append(.finished)
    }

    // MARK: - Agreements

    /// With a market plan, asks for the transaction that opens the file's agreements: every shard is placed
    /// and the descriptor signed, so the slots and their roots are known, and the confirmations are about to
    /// go to providers that may keep the shards only once the agreements commit.
    private mutating func requestAgreements(fileID: Key256) {
        guard !agreementsRequested, let descriptor else { return }
        agreementsRequested = true
        let (request, note) = agreementRequest(fileID: fileID, descriptor: descriptor)
        agreementsNote = note
        if let request { effects.append(.openAgreements(request)) }
    }

    /// The transaction that opens the agreements is `hash`: the one submitted, or the same signed again after the
    /// mempool dropped it (an agreement's ID is the hash of the transaction that opened it).
    mutating func agreementsResigned(as hash: Key256) {
        agreementsTransaction = hash
        agreementIDs = agreementSlots.map { StorageAgreement.id(transactionHash: hash, slot: $0) }
    }

    /// The transaction that opens `request`'s agreements was submitted (its hash), or refused: the put goes on
    /// with its confirmations either way (the providers may still take the file within their free allowance),
    /// and the summary says which.
    mutating func agreementsSubmitted(
        _ request: AgreementRequest, _ result: Result<Key256, TransactionSubmissionError>
    ) {
        switch result {
        case .success(let hash):
            agreementSlots = request.slots.map(\.slot)
            agreementsResigned(as: hash)
        case .failure(let refusal):
            let note = "no agreements: the chain refused the transaction that opens them (\(refusal))"
            agreementsNote = [note, agreementsNote].compactMap { $0 }.joined(separator: "; ")
            effects.append(
                .log(
                    PeerLogEntry(
                        .warning, "the agreements of a put were refused; it confirms anyway",
                        [
                            "cairn.file": fileID?.hex ?? "", "cairn.error": "\(refusal)",
                        ])))
        }
    }

    /// The agreements to open for the stored file: one per slot whose every shard is on one registered
    /// provider (`PutPlanner.stableSlots`), and a note naming the slots left without one; nil without a market.
    func agreementRequest(fileID: Key256, descriptor: Descriptor) -> (AgreementRequest?, String?) {
        guard case .agreements(let providers, let duration) = market else {
            if case .none(let reason) = market { return (nil, reason) }
            return (nil, nil)
        }
        guard descriptor.segmentCount > 0, let stable = planner?.stableSlots else {
            return (nil, "no agreements: the file is empty")
        }
        let keys = Dictionary(providers.map { ($0.peer.id, $0.key) }, uniquingKeysWith: { first, _ in first })
        var slots: [SlotPlacement] = []
        var unplaced: [Int] = []
        for (slot, holder) in stable.enumerated() {
            guard let holder, let key = keys[holder.id] else {
                unplaced.append(slot)
                continue
            }
            slots.append(SlotPlacement(slot: slot, of: descriptor, provider: key))
        }
        var note: String?
        if !unplaced.isEmpty {
            note =
                "slots \(unplaced.map(String.init).joined(separator: ", ")) have no agreement: their shards are on "
                + "more than one provider after a refusal (repair will move them under one)"
        }
        guard !slots.isEmpty else { return (nil, note) }
        return (
            AgreementRequest(
                fileID: fileID, slots: slots, durationEpochs: duration,
                maxPricePerGiBEpoch: order.maxPricePerGiBEpoch ?? .max),
            note
        )
    }
}
