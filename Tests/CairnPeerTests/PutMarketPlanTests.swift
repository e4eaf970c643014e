import CairnChain
import CairnCrypto
import CairnMarket
import CairnPeer
import CairnStorage
import CairnWire
import Testing

/// Which registered providers a put opens agreements with, and the escrow it must hold first (issue 9 item 2),
/// decided from a hand-built market with no I/O.
struct PutMarketPlanTests {
    static let parameters = MarketParameters.localNetwork
    static let gib: UInt64 = 1 << 30

    static func provider(
        _ index: Int, capacity: UInt64 = 1 << 40, used: UInt64 = 0, price: UInt64 = 1_000_000,
        stake: Amount = parameters.minProviderStake, status: MarketProvider.Status = .active,
        address: String? = nil, lastActiveEpoch: UInt64 = 8
    ) -> (PublicKey, MarketProvider) {
        let key = Identity(seed: Array(repeating: UInt8(index + 1), count: 32))!.publicKey
        return (
            key,
            MarketProvider(
                capacityBytes: capacity, pricePerGiBEpoch: Amount(price), stake: stake,
                address: address ?? "127.0.0.1:\(7000 + index)", usedBytes: used, status: status,
                lastActiveEpoch: lastActiveEpoch)
        )
    }

    static func state(_ providers: [(PublicKey, MarketProvider)]) -> MarketState {
        MarketState(
            epoch: 10, epochSeed: .zero,
            providers: Dictionary(providers, uniquingKeysWith: { first, _ in first }))
    }

    static func order(n: Int = 4, size: UInt64? = 1 << 20, maxPrice: UInt64? = nil, epochs: UInt64? = nil) -> PutOrder {
        PutOrder(
            parameters: CodingParameters(segmentSize: 4 << 20, k: 2, n: n), fileKey: .random(),
            fileNonce: Random.key256(), name: "f", maxPricePerGiBEpoch: maxPrice.map(Amount.init),
            durationEpochs: epochs, sizeHint: size)
    }

    @Test func onlyActiveOnlineStakedProvidersWithRoomAtThePriceAreChosenNearestTheNonceFirst() {
        let slot: UInt64 = 1 << 20
        let good = (0..<5).map { Self.provider($0) }
        let others = [
            Self.provider(10, status: .withdrawing),
            Self.provider(11, capacity: slot - 1),
            Self.provider(12, capacity: 2 * slot, used: slot + 1),
            Self.provider(13, price: 3_000_000),
            Self.provider(14, stake: Amount(1)),
            Self.provider(15, address: "not an address"),
            Self.provider(16, lastActiveEpoch: 6),  // offline: silent on chain for 4 epochs, 3 allowed
        ]
        let nonce = Random.key256()
        let chosen = PutMarketPlan.eligible(
            in: Self.state(good + others), parameters: Self.parameters, slotBytes: slot,
            maxPrice: Amount(2_000_000), near: nonce)
        #expect(Set(chosen.map(\.key)) == Set(good.map(\.0)))
        let distances = chosen.map { $0.peer.id.distance(to: nonce) }
        #expect(distances == distances.sorted())
        for candidate in chosen {
            #expect(candidate.peer.id == candidate.key.peerID)
            #expect(PeerAddress(parsing: "\(candidate.peer.address)") != nil)
        }
        // Without a price limit the expensive one is in too.
        let any = PutMarketPlan.eligible(
            in: Self.state(good + others), parameters: Self.parameters, slotBytes: slot, maxPrice: nil, near: nonce)
        #expect(any.count == 6)
    }

    @Test func tooFewProvidersMeansNoAgreementsAndSaysWhy() {
        let plan = PutMarketPlan.decide(
            order: Self.order(n: 8),
            market: (Self.state((0..<3).map { Self.provider($0) }), Self.parameters))
        #expect(plan == .none("no agreements: 3 registered providers, 8 needed"))
        let filtered = PutMarketPlan.decide(
            order: Self.order(n: 4, maxPrice: 10),
            market: (Self.state((0..<5).map { Self.provider($0) }), Self.parameters))
        guard case .none(let reason) = filtered else {
            Issue.record("expected no agreements, got \(filtered)")
            return
        }
        #expect(reason.hasPrefix("no agreements: 5 registered providers (0 active and online with"))
        #expect(reason.hasSuffix("4 needed"))
        #expect(
            PutMarketPlan.decide(order: Self.order(), market: nil)
                == .none("no agreements: this network's chain has no storage market"))
    }

    @Test func enoughProvidersGiveAgreementsForTheDefaultOrAskedDuration() {
        let market = (Self.state((0..<6).map { Self.provider($0) }), Self.parameters)
        guard case .agreements(let providers, let epochs) = PutMarketPlan.decide(order: Self.order(), market: market)
        else {
            Issue.record("expected agreements")
            return
        }
        #expect(providers.count == 6)
        #expect(epochs == Self.parameters.defaultDurationEpochs)
        guard case .agreements(_, 7) = PutMarketPlan.decide(order: Self.order(epochs: 7), market: market) else {
            Issue.record("expected 7 epochs")
            return
        }
    }

    @Test func slotBytesFollowTheCodingOfTheAnnouncedSize() {
        let coding = CodingParameters(segmentSize: 4 << 20, k: 4, n: 8)
        let size: UInt64 = 10 << 20  // two full segments and a half one
        let expected =
            2 * UInt64(coding.maxShardLength)
            + UInt64(coding.shardLength(forPlaintextLength: 2 << 20))
        #expect(PutMarketPlan.slotBytes(parameters: coding, sizeHint: size) == expected)
        #expect(PutMarketPlan.slotBytes(parameters: coding, sizeHint: nil) == UInt64(coding.maxShardLength))
    }

    @Test func theEscrowIsTheFirstNProvidersPricesByTheByteTimesTheEpochs() {
        let cheap = MarketCandidate(
            key: Self.provider(0).0, peer: PeerInfo(id: .zero, address: PeerAddress(host: "h", port: 1)),
            pricePerGiBEpoch: Amount(1 << 30))
        var dear = cheap
        dear.pricePerGiBEpoch = Amount(3 << 30)
        // 1 byte per epoch and 3 bytes per epoch at one byte of slot, 10 epochs; the spare is not counted.
        #expect(PutMarketPlan.escrow(providers: [cheap, dear, dear], n: 2, slotBytes: 1, epochs: 10) == Amount(40))
        // Rounded up per agreement: 1 base unit per GiB per epoch on 1 byte still costs 1 per epoch.
        #expect(MarketPricing.pricePerEpoch(pricePerGiBEpoch: Amount(1), size: 1) == Amount(1))
        #expect(MarketPricing.escrow(pricePerGiBEpoch: .max, size: .max, epochs: 2) == nil)
    }

    @Test func anAccountShortOfTheEscrowIsRefusedWithAmountsInTokens() {
        let message = PutMarketPlan.shortfall(
            needed: Amount(12_500_000), balance: Amount(2_000_000), tokenSymbol: "CRN", decimals: 6)
        #expect(
            message == "the agreements need 12.5 CRN in escrow and fees; this account has 2 CRN "
                + "(cairn wallet faucet on a test network). Nothing was uploaded")
        #expect(
            PutMarketPlan.shortfall(
                needed: Amount(2_000_000), balance: Amount(2_000_000), tokenSymbol: "CRN", decimals: 6) == nil)
        #expect(PutMarketPlan.shortfall(needed: nil, balance: .zero, tokenSymbol: "CRN", decimals: 6) != nil)
    }
}
