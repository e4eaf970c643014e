import CairnChain
import CairnCrypto

/// What a local user asks of the peer's chain (`PeerCommand.chain`).
public enum ChainCommand: Sendable {
    /// Height, tip, validators, voting power seen, peers in sync.
    case status
    /// A signed transaction's canonical bytes, to add to the mempool and gossip.
    case submit([UInt8])
    /// An account's committed balance and stake, and the nonce its next transaction should use.
    case account(PublicKey)
    /// The validator set of the next height.
    case validators
    /// A transaction waiting in this peer's mempool, by hash (nil: not there).
    case pending(Key256)
}

public enum ChainCommandResult: Sendable {
    case status(ChainStatus)
    case submitted(Result<Key256, TransactionSubmissionError>)
    case account(ChainAccount)
    case validators([Validator])
    case pending(SignedTransaction?)
}

/// A peer's view of the chain (`cairn chain status`).
public struct ChainStatus: Sendable, Hashable {
    public var chainID: ChainID
    public var height: Height
    public var tip: Key256
    public var validators: Int
    /// The share of the voting power whose precommits signed the last block this peer committed (0–1).
    public var votingPowerOnline: Double
    /// Peers whose reported height is at least this peer's.
    public var peersInSync: Int
    /// The highest height any peer reported.
    public var bestKnownHeight: Height
    public var isValidator: Bool
    public var mempoolTransactions: Int
}

/// One account as the committed state has it, and the nonce for its next transaction.
public struct ChainAccount: Sendable, Hashable {
    public var address: PublicKey
    public var balance: Amount
    public var stake: Amount
    /// The nonce the account's next transaction should carry: committed ones and those in this peer's mempool
    /// counted.
    public var nextNonce: UInt64
}

extension ChainMachine {
    /// Answers a chain command; a submission also gossips the transaction.
    mutating func perform(_ command: ChainCommand) -> ChainCommandResult {
        switch command {
        case .status:
            .status(
                ChainStatus(
                    chainID: chainID, height: height, tip: tip, validators: validators.count,
                    votingPowerOnline: lastCommitPower, peersInSync: peersInSync, bestKnownHeight: bestKnownHeight,
                    isValidator: isValidator, mempoolTransactions: mempool.count))
        case .submit(let bytes):
            .submitted(submit(bytes))
        case .account(let key):
            .account(
                ChainAccount(
                    address: key, balance: ledger.balance(of: key), stake: ledger.stake(of: key),
                    nextNonce: nextNonce(of: key)))
        case .validators:
            .validators(validators.validators)
        case .pending(let hash):
            .pending(mempool[hash])
        }
    }
}
