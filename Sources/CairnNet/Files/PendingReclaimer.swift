import CairnStorage
import CairnWire
import Logging
import ServiceLifecycle

/// Reclaims the shards of uploads that never completed (issue 6, item 6): every `interval`, the references
/// still pending after the provider's grace period are released on the disk pool, and shards no file references
/// any more are deleted. Runs until graceful shutdown.
public struct PendingReclaimer: Service {
    let provider: ProviderService
    /// A quarter of the grace period (a pending shard lives at most 1¼ graces), within 1 s … 5 min.
    let interval: Duration

    public init(provider: ProviderService) {
        self.provider = provider
        interval = min(max(provider.pendingGrace / 4, .seconds(1)), .seconds(300))
    }

    /// Returns normally on graceful shutdown: a service that throws makes the whole peer exit with a failure.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                await reclaimOnce()
            }
        }
    }

    /// One pass; a failure is logged and the next pass tries again.
    func reclaimOnce() async {
        let cutoff = WallClock.now() - provider.pendingGrace
        do {
            let released = try await provider.pool.runIfActive {
                try provider.shards.reclaimPending(addedBefore: cutoff)
            }
            if released.references > 0 {
                provider.logger.notice(
                    "reclaimed shards of uploads that were never confirmed",
                    metadata: ["cairn.references": "\(released.references)", "cairn.shards": "\(released.shards)"])
            }
        } catch {
            provider.logger.warning("could not reclaim pending shards", metadata: ["cairn.error": "\(error)"])
        }
    }
}
