import CairnCrypto
import Foundation
import Testing

@testable import CairnChain

@Suite struct ChainParametersTests {
    @Test func localTestnetIsValidAndRoundTripsThroughJSON() throws {
        let params = ChainParameters.localTestnet
        try params.validate()
        #expect(params.decimals == 6 && params.blockIntervalMs == 500 && params.faucet != nil)
        let json = try JSONEncoder().encode(params)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"block_interval_ms\":500") && text.contains("\"cooldown_blocks\""))
        #expect(try JSONDecoder().decode(ChainParameters.self, from: json) == params)
    }

    /// The shape of genesis.json's "chain" section, as a person writes it.
    @Test func decodesTheGenesisSection() throws {
        let validator = ChainParameters.localTestnetIdentity(0).publicKey.address
        let json = """
            {
              "token_symbol": "CRN", "decimals": 6, "block_interval_ms": 500,
              "timeouts": { "propose_ms": 1000, "propose_delta_ms": 170, "prevote_ms": 330,
                            "prevote_delta_ms": 170, "precommit_ms": 330, "precommit_delta_ms": 170 },
              "min_fee": 1000, "max_block_txs": 5000, "max_block_bytes": 4194304, "max_tx_bytes": 16384,
              "min_validator_stake": 1000000000, "max_validators": 100, "unbonding_delay_blocks": 20,
              "initial_accounts": { "\(validator)": 5000000 },
              "initial_validators": { "\(validator)": 1000000000 }
            }
            """
        let params = try JSONDecoder().decode(ChainParameters.self, from: Data(json.utf8))
        try params.validate()
        #expect(params.faucet == nil && params.minFee == Amount(1_000) && params.timeouts.prevoteDeltaMs == 170)
        let state = try LedgerState.genesis(params)
        #expect(state.totalSupply == Amount(1_005_000_000))
        #expect(state.validatorStakes(params).map(\.1) == [1_000_000_000])
    }

    @Test func validationNamesTheBadField() {
        var params = ChainParameters.localTestnet
        params.decimals = 19
        #expect(throws: ChainParametersError.self) { try params.validate() }
        do { try params.validate() } catch { #expect(error.description.hasPrefix("chain.decimals:")) }

        params = .localTestnet
        params.initialAccounts["not-an-address"] = Amount(1)
        do { try params.validate() } catch { #expect(error.description.hasPrefix("chain.initial_accounts:")) }

        params = .localTestnet
        params.maxTxBytes = 10
        do { try params.validate() } catch { #expect(error.description.hasPrefix("chain.max_tx_bytes:")) }

        params = .localTestnet
        params.initialValidators = [:]
        do { try params.validate() } catch { #expect(error.description.hasPrefix("chain.initial_validators:")) }
    }

    @Test func addressesParseWithClearErrors() throws {
        let key = ChainParameters.localTestnetIdentity(0).publicKey
        #expect(try PublicKey(address: key.address) == key)
        #expect(try PublicKey(address: key.address.uppercased()) == key)
        #expect(throws: AddressError.wrongLength("abc", count: 3)) { try PublicKey(address: "abc") }
        let bad = String(repeating: "g", count: 64)
        #expect(throws: AddressError.notHex(bad)) { try PublicKey(address: bad) }
    }
}
