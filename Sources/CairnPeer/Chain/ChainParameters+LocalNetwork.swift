import CairnChain
import CairnCrypto

extension ChainParameters {
    /// The chain of the local test network (`bootstrap/genesis.json`, `cairn sim cluster`, the demo): one
    /// validator at genesis — the bootstrap peer, whose identity is the well-known `localNetworkValidator` —
    /// and a faucet large enough for a peer to bond a validator's stake from one request (`cairn wallet
    /// faucet`, then `cairn validator bond`), and the storage market's local rules (`MarketParameters.localNetwork`).
    public static let localNetwork: ChainParameters = {
        let oneToken: UInt64 = 1_000_000
        var params = ChainParameters.localTestnet
        let bootstrap = localNetworkValidator.publicKey.address
        params.initialAccounts = [bootstrap: Amount(1_000_000 * oneToken)]
        params.initialValidators = [bootstrap: Amount(1_000 * oneToken)]
        params.faucet = FaucetParameters(amount: Amount(2_000 * oneToken), cooldownBlocks: 20)
        // The storage market, and transactions as large as the codec allows, so that a provider posts about 40
        // proofs of storage per transaction (a proof is about 1.5 KiB).
        params.market = .localNetwork
        params.maxTxBytes = UInt32(SignedTransaction.maxEncodedBytes)
        return params
    }()

    /// The local test network's first validator: the identity of its bootstrap peer. Its seed is the first of
    /// SHA-256("cairn-localnet-validator-" ‖ i), i = 0, 1, …, whose PeerID meets the network's 8-bit
    /// S/Kademlia puzzle. Anyone can derive it: it is for local networks only.
    public static let localNetworkValidator: Identity = {
        var index = 0
        while true {
            let identity = Identity(seed: SHA256.hash(Array("cairn-localnet-validator-\(index)".utf8)).bytes)!
            if Puzzle.isSolved(by: identity.peerID, bits: 8) { return identity }
            index += 1
        }
    }()
}
