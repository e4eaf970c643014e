import CairnWire
import Foundation
import Synchronization

/// The network driver's clock: wall time, because record expiries travel between machines.
public enum WallClock {
    /// Nanoseconds added to the system clock; zero but in tests, which skew one peer's clock with the hidden
    /// `cairn run --clock-offset` to show that the network tolerates realistic skew (issue 6, item 7).
    private static let offset = Atomic<Int64>(0)

    static func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let system = Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
        return Instant(nanoseconds: system + offset.load(ordering: .relaxed))
    }

    /// Makes this process's wall clock run `offset` ahead of the system's (behind when negative).
    public static func skew(by offset: Duration) {
        self.offset.store(offset.nanosecondsClamped, ordering: .relaxed)
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
