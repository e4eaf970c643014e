import CairnMarket
import CairnPeer
import Metrics
import NIOConcurrencyHelpers

/// The storage market's figures for this peer (issue 10), read from the committed market at each scrape:
/// its open agreements by role, its stake as a provider, the escrow of the agreements it owns, and its proofs.
///
/// The proof counts are the chain's own running totals for this provider; the counters move by what the chain
/// added since the last scrape, so that they only go up (a provider that withdraws and registers anew starts
/// the chain's totals at zero again, which the counters do not follow down).
final class MarketMetrics: Sendable {
    private let ownerAgreements = Gauge(label: "cairn_market_agreements", dimensions: [("role", "owner")])
    private let providerAgreements = Gauge(label: "cairn_market_agreements", dimensions: [("role", "provider")])
    private let stake = Gauge(label: "cairn_market_stake_base_units")
    private let escrow = Gauge(label: "cairn_market_escrow_base_units")
    private let proofsOK = Counter(label: "cairn_market_proofs_total", dimensions: [("result", "ok")])
    private let proofsMissed = Counter(label: "cairn_market_proofs_total", dimensions: [("result", "missed")])
    /// The chain's totals at the last scrape: (ok, missed).
    private let seen = NIOLockedValueBox((ok: UInt64(0), missed: UInt64(0)))

    init() {}

    func record(_ snapshot: MarketSnapshot) {
        let owned = snapshot.state.agreements(ofOwner: snapshot.local).filter(\.isOpen)
        let held = snapshot.state.openAgreements(ofProvider: snapshot.local)
        ownerAgreements.record(owned.count)
        providerAgreements.record(held.count)
        escrow.record(Int64(clamping: owned.reduce(UInt64(0)) { $0 &+ $1.escrow.baseUnits }))
        let provider = snapshot.state.providers[snapshot.local]
        stake.record(Int64(clamping: provider?.stake.baseUnits ?? 0))
        let ok = provider?.proofsOK ?? 0
        let missed = provider?.proofsMissed ?? 0
        let (addedOK, addedMissed) = seen.withLockedValue { last in
            let added = (ok > last.ok ? ok - last.ok : 0, missed > last.missed ? missed - last.missed : 0)
            last = (ok, missed)
            return added
        }
        if addedOK > 0 { proofsOK.increment(by: Int64(clamping: addedOK)) }
        if addedMissed > 0 { proofsMissed.increment(by: Int64(clamping: addedMissed)) }
    }
}
