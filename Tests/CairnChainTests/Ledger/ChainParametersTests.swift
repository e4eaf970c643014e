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
