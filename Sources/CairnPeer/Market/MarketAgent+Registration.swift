import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// Registering as a provider: the faucet first when the balance is short (see `MarketAgent`).
extension MarketAgent {
    mutating func register(
        height: Height, ledger: LedgerState, market: MarketState, chain: ChainParameters,
        parameters: MarketParameters, inMempool: Set<Key256>
    ) {
        if let provider = market.providers[local] {
            if !registeredLogged {
                registeredLogged = true
                log(.info, "registered as a storage provider: \(provider.capacityBytes) bytes at "
                    + "\(provider.pricePerGiBEpoch) base units per GiB per epoch, \(provider.stake) staked",
                    ["cairn.market.height": "\(height)"])
            }
            registration = nil
            return
        }
        let account = ledger.account(local)
        if let pending = registration {
            if let hash = pending.hash, inMempool.contains(hash) { return }
            let faucetCommitted = pending.purpose == .faucet && (account.faucetLastUse ?? 0) > pending.height
            if !faucetCommitted {
                guard height >= pending.height + config.retryAfterBlocks else { return }
                if pending.hash != nil {
                    log(.warning, "the \(Self.name(pending.purpose)) transaction neither committed nor stayed in "
                        + "the mempool in \(height - pending.height) blocks: sending it again")
                }
            }
            registration = nil
        }
        let stake = config.stake ?? parameters.minProviderStake
        let (needed, overflow) = stake.baseUnits.addingReportingOverflow(chain.minFee.baseUnits)
        guard !overflow else { return }
        if account.balance.baseUnits >= needed {
            effects.append(.submit(
                MarketTransaction.registerProvider(
                    capacityBytes: config.capacityBytes, pricePerGiBEpoch: config.pricePerGiBEpoch, stake: stake,
                    address: address),
                .register))
            return
        }
        guard let faucet = chain.faucet else { return }
        if let last = account.faucetLastUse, height + 1 < last + faucet.cooldownBlocks { return }
        effects.append(.submit(.faucet, .faucet))
    }
}
