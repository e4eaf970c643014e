import NIOConcurrencyHelpers

/// What this peer has served other peers since it started, as figures the process can read back (swift-metrics
/// counters cannot be read): `GET /api/v0/status` and the dashboard's Provider page show them.
public enum ServedTotals {
    public struct Figures: Sendable, Equatable {
        /// Shard bytes sent to other peers.
        public var bytes: UInt64 = 0
        /// Shards sent to other peers.
        public var shards: UInt64 = 0
    }

    private static let box = NIOLockedValueBox(Figures())

    public static var now: Figures { box.withLockedValue { $0 } }

    static func served(shardBytes: Int) {
        box.withLockedValue {
            $0.bytes += UInt64(shardBytes)
            $0.shards += 1
        }
    }
}
