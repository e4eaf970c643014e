import CairnCrypto

/// Measurements for `cairn bench chain`. The only code in this target that reads a clock, and only the one
/// it is given. Target (the chain's budget for a block of transfers): at least 20,000 transfer validations
/// per second on one core, Ed25519 included (libsodium verifies about 30,000 signatures per second here).
public enum LedgerBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public let count: Int
        public let seconds: Double
        public let perSecond: Double
        public let accepted: Int
        /// Ed25519 verifications alone of the same transactions, per second, measured just before: the ceiling
        /// on this machine at this moment (a loaded machine lowers both).
        public let signatureOnlyPerSecond: Double
        /// Validate-and-apply with the signature check skipped (already verified), per second: the ledger's own
        /// cost.
        public let withoutSignaturePerSecond: Double

        public var description: String {
            "\(count) transfers validated and applied: \(Int(perSecond))/s with the signature check "
                + "(target ≥ 20000/s); Ed25519 alone \(Int(signatureOnlyPerSecond))/s; "
                + "without the signature check \(Int(withoutSignaturePerSecond))/s; \(accepted) accepted"
        }
    }

    /// Validates (with the signature check) then applies `count` signed transfers from 1,000 accounts to a state
    /// holding them, one after the other: what a peer does for a block from another proposer. Setup (keys and
    /// signatures) is not timed.
    public static func validateTransfers(
        count: Int, clock: some Clock<Duration> = ContinuousClock()
    ) -> Result {
        let chainID = ChainID(SHA256.hash(Array("cairn bench chain".utf8)))
        var params = ChainParameters.localTestnet
        params.minFee = Amount(1)
        let rules = LedgerRules(params: params, chainID: chainID)
        let senders = (0..<1_000).map { i in
            Identity(seed: [UInt8](repeating: UInt8(i % 251), count: 31) + [UInt8(i / 251)])!
        }
        var state = try! LedgerState.genesis(params)
        for sender in senders { state.accounts[sender.publicKey, default: .empty].balance = Amount(1_000_000_000) }
        state.totalSupply = state.heldTotal()!
        var transactions: [SignedTransaction] = []
        transactions.reserveCapacity(count)
        for i in 0..<count {
            let sender = senders[i % senders.count]
            let to = senders[(i + 1) % senders.count].publicKey
            let tx = Transaction(
                chainID: chainID, sender: sender.publicKey, nonce: UInt64(i / senders.count), fee: Amount(1),
                kind: .transfer(to: to, amount: Amount(10)))
            transactions.append(SignedTransaction(signing: tx, with: sender))
        }
        func seconds(_ duration: Duration) -> Double {
            max(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18, 1e-9)
        }
        let verifying = clock.measure {
            for tx in transactions { _ = tx.verifySignature(chainID: chainID) }
        }
        var unsignedState = state
        let skipping = clock.measure {
            for tx in transactions {
                _ = unsignedState.apply(tx, rules: rules, signatureVerified: true, feeRecipient: nil)
            }
        }
        var accepted = 0
        let elapsed = clock.measure {
            for tx in transactions {
                if case .success = state.apply(tx, rules: rules, signatureVerified: false, feeRecipient: nil) {
                    accepted += 1
                }
            }
        }
        return Result(
            count: count, seconds: seconds(elapsed), perSecond: Double(count) / seconds(elapsed),
            accepted: accepted, signatureOnlyPerSecond: Double(count) / seconds(verifying),
            withoutSignaturePerSecond: Double(count) / seconds(skipping))
    }
}
