import CairnChain
import CairnCrypto
import CairnPeer

// The chain's values as the API's JSON: pure conversions, tested without a peer.

extension ChainParameters {
    /// `amount` in tokens with the symbol: "12.5 CRN".
    func formatted(_ amount: Amount) -> String {
        "\(amount.formatted(decimals: decimals)) \(tokenSymbol)"
    }

    /// An amount a request gave: tokens as a decimal string at this chain's decimals, or base units.
    func amount(_ input: AmountInput, _ name: String) throws(APIError) -> Amount {
        switch input {
        case .baseUnits(let units):
            return Amount(units)
        case .tokens(let text):
            do {
                return try Amount(parsing: text, decimals: decimals)
            } catch {
                throw APIError(.badRequest, "\(name): \(error)")
            }
        }
    }
}

extension TransactionResponse {
    init(_ signed: SignedTransaction, params: ChainParameters, at location: TransactionLocation? = nil) {
        let tx = signed.transaction
        hash = signed.hash.hex
        sender = tx.sender.address
        nonce = tx.nonce
        fee = tx.fee.baseUnits
        feeFormatted = params.formatted(tx.fee)
        height = location?.height
        position = location?.position
        var amount: Amount?
        switch tx.kind {
        case .transfer(let to, let value):
            kind = "transfer"
            self.to = to.address
            amount = value
        case .bond(let value):
            kind = "bond"
            amount = value
        case .unbond(let value):
            kind = "unbond"
            amount = value
        case .faucet:
            kind = "faucet"
        case .extension(let code, let payload):
            kind = "extension"
            extensionKind = code
            payloadBytes = payload.count
        }
        self.amount = amount?.baseUnits
        amountFormatted = amount.map(params.formatted)
    }
}

extension BlockResponse {
    init(_ block: Block, commit: Commit, params: ChainParameters) {
        let header = block.header
        height = header.height
        hash = block.hash.hex
        previous = header.previousHash.hex
        timeMs = header.timeMs
        proposer = header.proposer.address
        transactions = block.transactions.enumerated().map { position, tx in
            TransactionResponse(tx, params: params, at: TransactionLocation(height: header.height, position: position))
        }
        self.commit = CommitInfo(round: commit.round, signers: commit.signatures.map(\.validatorIndex))
    }
}

extension ChainStatusResponse {
    init(_ status: ChainStatus, params: ChainParameters) {
        height = status.height
        tip = status.tip.hex
        validators = status.validators
        votingPowerOnline = status.votingPowerOnline
        peersInSync = status.peersInSync
        chainID = status.chainID.hash.hex
        bestKnownHeight = status.bestKnownHeight
        isValidator = status.isValidator
        mempool = status.mempoolTransactions
        token = params.tokenSymbol
        decimals = params.decimals
        minFee = params.minFee.baseUnits
    }
}

extension WalletResponse {
    init(_ account: ChainAccount, params: ChainParameters) {
        address = account.address.address
        balance = account.balance.baseUnits
        balanceFormatted = params.formatted(account.balance)
        stake = account.stake.baseUnits
        stakeFormatted = params.formatted(account.stake)
        nextNonce = account.nextNonce
    }
}

extension ValidatorsResponse {
    init(_ set: [Validator], params: ChainParameters) {
        validators = set.map {
            Entry(
                key: $0.publicKey.address, peerID: $0.publicKey.peerID.hex, power: $0.power,
                powerFormatted: params.formatted(Amount($0.power)))
        }
        let total = set.reduce(UInt64(0)) { $0 &+ $1.power }
        totalPower = total
        totalPowerFormatted = params.formatted(Amount(total))
    }
}
