import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire
import Testing

@Suite struct MarketCodecTests {
    static var actions: [MarketAction] {
        let file = MarketFile.shared
        let key = Identity(seed: [UInt8](repeating: 5, count: 32))!.publicKey
        let agreementID = SHA256.hash([1])
        let proof = file.proof(StorageChallenge(slot: 2, segment: 1, leaf: 7))
        return [
            .registerProvider(
                ProviderOffer(
                    capacityBytes: 1 << 40, pricePerGiBEpoch: Amount(12), stake: Amount(1_000), address: "[::1]:4100")),
            .updateProvider(
                ProviderUpdate(
                    capacityBytes: 5, pricePerGiBEpoch: .zero, address: "example.org:1", addedStake: Amount(3))),
            .withdrawProvider,
            .openAgreements(
                OpenAgreements(
                    fileID: file.descriptor.fileID, durationEpochs: 0, maxPricePerGiBEpoch: .max,
                    slots: (0..<4).map { SlotPlacement(slot: $0, of: file.descriptor, provider: key) })),
            .renewAgreement(agreementID: agreementID, extraEpochs: 9),
            .endAgreement(agreementID: agreementID),
            .postProofs(
                ProofBatch(
                    epoch: 77,
                    entries: [
                        ProofBatch.Entry(agreementID: agreementID, proof: proof),
                        ProofBatch.Entry(agreementID: SHA256.hash([2]), proof: proof),
                    ])),
            .repair(agreementID: agreementID, newProvider: key),
            .checkIn,
        ]
    }

    @Test func everyActionRoundTrips() throws {
        for action in Self.actions {
            #expect(try MarketAction(payload: action.encoded) == action)
        }
    }

    @Test func aByteExactVector() {
        let id = Key256(w0: 1, w1: 2, w2: 3, w3: 4)
        #expect(
            MarketAction.endAgreement(agreementID: id).encoded
                == [1, 6] + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 3]
                + [0, 0, 0, 0, 0, 0, 0, 4])
        #expect(MarketAction.withdrawProvider.encoded == [1, 3])
        #expect(MarketAction.checkIn.encoded == [1, 9])
    }

    @Test func everyTruncationIsRefused() {
        for action in Self.actions {
            let bytes = action.encoded
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try MarketAction(payload: Array(bytes.prefix(length))) }
            }
        }
    }

    @Test func malformedPayloadsAreRefusedWithTheReason() throws {
        func error(_ bytes: [UInt8]) -> WireError? {
            do { _ = try MarketAction(payload: bytes); return nil } catch { return error }
        }
        #expect(error([2, 3]) == .unsupportedVersion(2))
        #expect(error([1, 99]) == .unknownTag(99, in: "market transaction"))
        #expect(error([1, 3, 0]) == .trailingBytes(1))
        // A proofs batch announcing 5,000 entries.
        #expect(
            error([1, 7] + [UInt8](repeating: 0, count: 8) + [0x13, 0x88])
                == .tooManyItems(count: 5_000, max: 4_096, in: "proofs"))
        // A leaf of 2,000 bytes.
        let leaf: [UInt8] =
            [1, 7] + [UInt8](repeating: 0, count: 8) + [0, 1] + [UInt8](repeating: 0, count: 32 + 8)
            + [0, 0, 0x07, 0xd0] + [UInt8](repeating: 0, count: 2_000 + 200)
        #expect(error(leaf) == .oversized(length: 2_000, max: 1_024, in: "proof leaf"))
        // An open listing 300 slots.
        #expect(
            error([1, 4] + [UInt8](repeating: 0, count: 48) + [0x01, 0x2c])
                == .tooManyItems(count: 300, max: 256, in: "slot placements"))
        // The ledger refuses it with the decoder's words.
        #expect(throws: ExtensionRefusal.self) { try MarketExtension.decode([1, 99]) }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<300, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 1, Bool.random(using: &generator) { bytes[0] = 1; bytes[1] = UInt8.random(in: 1...8) }
            _ = try? MarketAction(payload: bytes)
        }
    }

    @Test func proofBatchesFitTheTransactionLimit() throws {
        let f = MarketFixture()
        let entry = (Self.actions[6].proofEntries)[0]
        let entries = (0..<100).map { ProofBatch.Entry(agreementID: SHA256.hash([UInt8($0)]), proof: entry.proof) }
        let batches = MarketTransaction.proofBatches(epoch: 3, entries: entries, maxTxBytes: 16 << 10, maxProofs: 4_096)
        #expect(batches.flatMap(\.entries) == entries)
        for batch in batches {
            let tx = f.tx(f.p1, MarketTransaction.kind(.postProofs(batch)), on: try f.genesis())
            #expect(tx.byteCount <= 16 << 10)
            #expect(tx.byteCount > 14 << 10 || batch == batches.last)
        }
    }
}

extension MarketAction {
    var proofEntries: [ProofBatch.Entry] {
        if case .postProofs(let batch) = self { return batch.entries }
        return []
    }
}
