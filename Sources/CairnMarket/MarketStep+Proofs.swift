import CairnChain
import CairnCrypto
import CairnStorage

extension MarketStep {
    /// Post proofs. The batch as a whole is refused when it cannot be judged: another epoch's (late or early),
    /// outside the proof window, from a sender that is not the provider of every listed agreement, an agreement
    /// unknown, listed twice or not yet started, an open one not in this epoch's audit sample
    /// (`MarketState.isChallenged`: one SHA-256 per entry), or more entries than `maxProofsPerTx`. All of that is
    /// cheap, so the mempool refuses it too.
    ///
    /// Each proof is then checked against its agreement's challenge for this epoch. One that does not verify
    /// (wrong leaf, path or root, or an answer to another challenge) is counted invalid against the provider and
    /// earns nothing, but does not refuse the batch: one bad shard must not void a provider's other proofs, and
    /// the mempool, which does not run the hashes, could not foresee such a refusal. An agreement already proved
    /// this epoch, or no longer open (its owner ended it after the batch was posted), is skipped. `verify` false
    /// stops after the batch-level checks (the mempool's `check`).
    mutating func postProofs(_ batch: ProofBatch, sender: PublicKey, verify: Bool) throws(ExtensionRefusal) {
        let epoch = market.epoch
        guard batch.epoch == epoch else {
            throw refuse(
                batch.epoch < epoch
                    ? "late: proofs for epoch \(batch.epoch), but the chain is in epoch \(epoch)"
                    : "early: proofs for epoch \(batch.epoch), but the chain is in epoch \(epoch)")
        }
        guard clock.epoch(of: height) == epoch, clock.acceptsProofs(at: height) else {
            throw refuse(
                "late: epoch \(epoch)'s proof window closed at height \(clock.proofDeadline(of: epoch)); "
                    + "this is height \(height)")
        }
        var provider = try provider(sender)
        guard !batch.entries.isEmpty else { throw refuse("the batch holds no proof") }
        guard batch.entries.count <= Int(parameters.maxProofsPerTx) else {
            throw refuse("the batch holds \(batch.entries.count) proofs, at most \(parameters.maxProofsPerTx) allowed")
        }
        var seen = Set<Key256>()
        seen.reserveCapacity(batch.entries.count)
        for entry in batch.entries {
            guard seen.insert(entry.agreementID).inserted else {
                throw refuse("agreement \(entry.agreementID.shortHex)… is listed twice")
            }
            guard let agreement = market.agreements[entry.agreementID] else {
                throw refuse("no agreement \(entry.agreementID.hex)")
            }
            guard agreement.provider == sender else {
                throw refuse("agreement \(entry.agreementID.shortHex)… is not with \(sender.address)")
            }
            // Ended by its owner after the provider posted (a file deleted): skipped, as the provider could not
            // know. Refusing the batch dropped the provider's other proofs with it, and its later transactions
            // behind the nonce; posted again blocks later, they missed the window and the provider was fined.
            guard agreement.isOpen else { continue }
            guard agreement.startEpoch <= epoch else {
                throw refuse(
                    "agreement \(entry.agreementID.shortHex)… is challenged from epoch \(agreement.startEpoch)")
            }
            guard market.isChallenged(agreement, parameters: parameters) else {
                throw refuse("agreement \(entry.agreementID.shortHex)… is not challenged this epoch")
            }
        }
        guard verify else { return }
        for entry in batch.entries where !market.provedThisEpoch.contains(entry.agreementID) {
            guard let agreement = market.agreements[entry.agreementID], agreement.isOpen else { continue }
            let challenge = agreement.challenge(epochSeed: market.epochSeed)
            do throws(StorageError) {
                try entry.proof.verify(
                    challenge, slotRoot: agreement.slotRoot, segmentCount: Int(agreement.segmentCount),
                    shardLength: agreement.shardLength(ofSegment: challenge.segment))
                market.provedThisEpoch.insert(entry.agreementID)
            } catch {
                invalidProofs.append((entry.agreementID, "\(error)"))
            }
        }
        // Any batch that gets this far shows the provider online, valid proofs or not.
        provider.proofsInvalid += UInt64(invalidProofs.count)
        provider.lastActiveEpoch = epoch
        market.providers[sender] = provider
    }
}
