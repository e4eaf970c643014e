import CairnChain
import Foundation
import Testing

@Suite struct MarketParametersTests {
    @Test func theLocalNetworksMarketIsValidAndRoundTripsWithSnakeCaseKeys() throws {
        try MarketParameters.localNetwork.validate()
        let data = try JSONEncoder().encode(MarketParameters.localNetwork)
        let text = String(decoding: data, as: UTF8.self)
        for key in [
            "epoch_blocks", "proof_window_blocks", "free_allowance_bytes", "min_provider_stake",
            "proposer_fee_per_mille", "repair_fee_per_mille", "misses_before_repair", "penalty_base",
            "penalty_cap", "max_proofs_per_tx", "proof_sample_per_provider", "default_duration_epochs",
            "liveness_epochs", "max_challenges_per_epoch",
        ] {
            #expect(text.contains("\"\(key)\""), "\(key)")
        }
        #expect(try JSONDecoder().decode(MarketParameters.self, from: data) == .localNetwork)
    }

    @Test func theMarketIsPartOfTheChainsGenesis() throws {
        var chain = ChainParameters.localTestnet
        let without = try JSONEncoder().encode(chain)
        chain.market = .localNetwork
        let with = try JSONEncoder().encode(chain)
        #expect(without != with)
        #expect(try JSONDecoder().decode(ChainParameters.self, from: with).market == .localNetwork)
        #expect(try JSONDecoder().decode(ChainParameters.self, from: without).market == nil)
    }

    @Test func outOfRangeFieldsAreNamed() {
        func error(_ change: (inout MarketParameters) -> Void) -> String? {
            var market = MarketParameters.localNetwork
            change(&market)
            var chain = ChainParameters.localTestnet
            chain.market = market
            do { try chain.validate(); return nil } catch { return error.description }
        }
        #expect(error { $0.epochBlocks = 0 }?.hasPrefix("chain.market.epoch_blocks") == true)
        #expect(error { $0.proofWindowBlocks = 11 }?.hasPrefix("chain.market.proof_window_blocks") == true)
        #expect(error { $0.proposerFeePerMille = 1_001 }?.hasPrefix("chain.market.proposer_fee_per_mille") == true)
        #expect(error { $0.penaltyCap = .zero }?.hasPrefix("chain.market.penalty_cap") == true)
        #expect(error { $0.maxProofsPerTx = 5_000 }?.hasPrefix("chain.market.max_proofs_per_tx") == true)
        #expect(error { $0.proofSamplePerProvider = 0 }?.hasPrefix("chain.market.proof_sample_per_provider") == true)
        #expect(error { $0.missesBeforeRepair = 0 }?.hasPrefix("chain.market.misses_before_repair") == true)
        #expect(error { $0.livenessEpochs = 0 }?.hasPrefix("chain.market.liveness_epochs") == true)
        #expect(error { $0.maxChallengesPerEpoch = 0 }?.hasPrefix("chain.market.max_challenges_per_epoch") == true)
        #expect(error { _ in } == nil)
    }
}
