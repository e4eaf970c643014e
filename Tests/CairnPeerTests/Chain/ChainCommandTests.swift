import CairnChain
import CairnCrypto
import Testing

@testable import CairnPeer

/// `ChainCommand`: the machine's answers to a local user, `pending` among them.
struct ChainCommandTests {
    @Test func aSubmittedTransactionIsPendingUntilCommitted() throws {
        let params = ChainParameters.localTestnet
        let rules = LedgerRules(params: params, chainID: ChainID(SHA256.hash(Array("chain-command-test".utf8))))
        let sender = ChainParameters.localTestnetIdentity(0)
        var machine = try ChainMachine(rules: rules, identity: nil, localPeer: SHA256.hash([1]))
        let tx = SignedTransaction(
            signing: Transaction(
                chainID: rules.chainID, sender: sender.publicKey, nonce: 0, fee: params.minFee,
                kind: .transfer(to: ChainParameters.localTestnetIdentity(1).publicKey, amount: Amount(5))),
            with: sender)
        guard case .pending(nil) = machine.perform(.pending(tx.hash)) else {
            Issue.record("a transaction never submitted is not pending")
            return
        }
        guard case .submitted(.success(let hash)) = machine.perform(.submit(tx.encoded)) else {
            Issue.record("the transaction was not taken")
            return
        }
        #expect(hash == tx.hash)
        guard case .pending(let found?) = machine.perform(.pending(tx.hash)) else {
            Issue.record("a submitted transaction is pending")
            return
        }
        #expect(found == tx)
        guard case .account(let account) = machine.perform(.account(sender.publicKey)) else {
            Issue.record("no account")
            return
        }
        #expect(account.nextNonce == 1, "the nonce counts the pending transaction")
    }
}
