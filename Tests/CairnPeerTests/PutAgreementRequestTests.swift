import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire
import Testing

@testable import CairnPeer

/// What a finished put asks the chain for (issue 9 item 2): one agreement per slot whose every shard is on one
/// registered provider, and a note naming the slots left without one.
struct PutAgreementRequestTests {
    @Test func onlySlotsOnOneProviderGetAnAgreementAndTheOthersAreNamed() throws {
        let me = Identity.generate()
        let keys = (0..<6).map { _ in Identity.generate().publicKey }
        let candidates = keys.enumerated().map { index, key in
            MarketCandidate(
                key: key, peer: PeerInfo(id: key.peerID, address: PeerAddress(host: "10.0.0.\(index)", port: 4000)),
                pricePerGiBEpoch: Amount(1_000))
        }
        let parameters = CodingParameters(segmentSize: 4096, k: 2, n: 4)
        let order = PutOrder(
            parameters: parameters, fileKey: .random(), fileNonce: Random.key256(), name: "f",
            maxPricePerGiBEpoch: Amount(5_000), durationEpochs: 7, sizeHint: 5_000)
        var put = PutOperation(
            id: CommandID(rawValue: 1), order: order, identity: me,
            localPeer: PeerInfo(id: me.peerID, address: PeerAddress(host: "10.0.0.99", port: 4000)),
            clockTolerance: .seconds(60), market: .agreements(candidates, durationEpochs: 7))

        var planner = PutPlanner(ring: candidates.map(\.peer), n: 4, mode: .slotStable)
        let ids = (0..<2).map { _ in (0..<4).map { _ in Random.key256() } }
        for store in PutPlannerStores.of(planner.add(segment: 0, shardIDs: ids[0])) {
            _ = planner.stored(segment: 0, slot: store.slot, on: store.provider.id)
        }
        for store in PutPlannerStores.of(planner.add(segment: 1, shardIDs: ids[1])) where store.slot != 1 {
            _ = planner.stored(segment: 1, slot: store.slot, on: store.provider.id)
        }
        let spare = PutPlannerStores.of(
            planner.refused(segment: 1, slot: 1, by: candidates[1].peer.id, full: false, reason: "down"))
        _ = planner.stored(segment: 1, slot: 1, on: try #require(spare.first).provider.id)
        put.planner = planner

        let descriptor = try Descriptor(
            fileSize: 5_000, parameters: parameters, fileNonce: order.fileNonce, shardIDs: ids, created: .zero,
            metadata: FileMetadata(name: "f"), fileKey: order.fileKey, owner: me)
        let fileID = SHA256.hash(descriptor.encoded())
        let (request, note) = put.agreementRequest(fileID: fileID, descriptor: descriptor)
        let opened = try #require(request)
        #expect(opened.fileID == fileID)
        #expect(opened.durationEpochs == 7)
        #expect(opened.maxPricePerGiBEpoch == Amount(5_000))
        #expect(opened.slots.map(\.slot) == [0, 2, 3])
        #expect(opened.slots.map(\.provider) == [keys[0], keys[2], keys[3]])
        #expect(opened.slots[0] == SlotPlacement(slot: 0, of: descriptor, provider: keys[0]))
        #expect(note?.hasPrefix("slots 1 have no agreement") == true)
    }

    @Test func withoutAMarketThePutSaysWhyAndAsksForNothing() throws {
        let me = Identity.generate()
        let order = PutOrder(
            parameters: CodingParameters(segmentSize: 4096, k: 2, n: 4), fileKey: .random(),
            fileNonce: Random.key256(), name: "f")
        let put = PutOperation(
            id: CommandID(rawValue: 1), order: order, identity: me,
            localPeer: PeerInfo(id: me.peerID, address: PeerAddress(host: "h", port: 1)), clockTolerance: .seconds(60),
            market: .none("no agreements: 3 registered providers, 8 needed"))
        let descriptor = try Descriptor(
            fileSize: 10, parameters: order.parameters, fileNonce: order.fileNonce,
            shardIDs: [(0..<4).map { _ in Random.key256() }], created: .zero, metadata: FileMetadata(name: "f"),
            fileKey: order.fileKey, owner: me)
        let (request, note) = put.agreementRequest(fileID: .zero, descriptor: descriptor)
        #expect(request == nil)
        #expect(note == "no agreements: 3 registered providers, 8 needed")
    }
}

enum PutPlannerStores {
    static func of(_ actions: [PutPlanner.Action]) -> [(segment: Int, slot: Int, provider: PeerInfo)] {
        actions.compactMap { if case .store(let s, let i, let p) = $0 { (s, i, p) } else { nil } }
    }
}
