/// A moment in time as the protocol machines see it: nanoseconds since the Unix epoch.
///
/// Machines never read a clock; drivers pass `now` in. The network driver uses the wall clock (record
/// expiries cross machines), the simulator a virtual clock starting at zero.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func milliseconds(_ ms: Int64) -> Instant { Instant(nanoseconds: ms * 1_000_000) }
    public static func seconds(_ s: Int64) -> Instant { Instant(nanoseconds: s * 1_000_000_000) }

    public var unixSeconds: Int64 { nanoseconds / 1_000_000_000 }
    public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds + rhs.nanosecondsClamped)
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds - rhs.nanosecondsClamped)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds - rhs.nanoseconds)
    }

    public var description: String { "\(nanoseconds)ns" }
}

extension Duration {
    /// Whole nanoseconds, saturating at Int64's range.
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    public var millisecondsDouble: Double { Double(nanosecondsClamped) / 1_000_000 }

    public var secondsDouble: Double { Double(nanosecondsClamped) / 1_000_000_000 }
}
