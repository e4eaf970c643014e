import CairnWire
import Foundation

/// The network driver's clock: wall time, because record expiries travel between machines.
enum WallClock {
    static func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}

extension Instant {
    /// The wall-clock date of an instant from `WallClock`.
    public var date: Date { Date(timeIntervalSince1970: Double(nanoseconds) / 1e9) }
}

extension Duration {
    var timeAmount: NIOCore.TimeAmount { .nanoseconds(nanosecondsClamped) }
}

import NIOCore

extension NIOCore.TimeAmount {
    var duration: Duration { .nanoseconds(nanoseconds) }
}
