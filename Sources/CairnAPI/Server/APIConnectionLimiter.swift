import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Carries out `APIConnectionTable`'s decisions on real channels: closes the connection a newcomer replaces,
/// and keeps the table in step as requests start and finish and connections close.
///
/// `@unchecked Sendable`: the table and the channel map are only touched under `lock`; accepted channels may
/// live on any event loop of the group.
final class APIConnectionLimiter: @unchecked Sendable {
    private let lock = NIOLock()
    private var table: APIConnectionTable<ObjectIdentifier>
    private var channels: [ObjectIdentifier: any Channel] = [:]
    private var lingering = 0
    /// Refusals since the last notice: a flood is logged once a minute, not once a connection.
    private var refusedSinceNotice = 0
    private var lastNotice: NIODeadline?
    let limits: APILimits
    let logger: Logger

    /// Refused connections given a moment to read their 503 at most; past it they are closed outright, so
    /// that a flood of refusals cannot hold descriptors either.
    static let maxLingering = 16

    init(limits: APILimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
        self.table = APIConnectionTable(capacity: limits.maxConnections, grace: limits.evictionGrace)
    }

    var openConnections: Int { lock.withLock { table.count } }

    /// Decides on a just-accepted connection: true to serve it; false to refuse it (the caller answers 503).
    func admit(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        typealias Decision = (APIConnectionTable<ObjectIdentifier>.Admission, (any Channel)?)
        let (admission, replaced) = lock.withLock { () -> Decision in
            let admission = table.open(id, now: .now())
            var replaced: (any Channel)?
            if case .admitReplacing(let victim) = admission { replaced = channels.removeValue(forKey: victim) }
            if admission != .refuse { channels[id] = channel }
            return (admission, replaced)
        }
        if let replaced {
            logger.debug("API connection cap reached: closing the connection waiting longest for a request",
                         metadata: ["cairn.api.connections": "\(limits.maxConnections)"])
            replaced.close(promise: nil)
        }
        guard admission != .refuse else {
            if let refused = countRefusal() {
                let message = "API connection cap reached with every connection busy: refused \(refused) new "
                    + "connection(s) with 503 since the last notice"
                logger.notice("\(message)", metadata: ["cairn.api.connections": "\(limits.maxConnections)"])
            }
            return false
        }
        channel.closeFuture.whenComplete { _ in self.closed(channel) }
        return true
    }

    /// Counts a refusal; returns the count to log when a minute has passed since the last notice.
    private func countRefusal() -> Int? {
        lock.withLock {
            refusedSinceNotice += 1
            let now = NIODeadline.now()
            if let last = lastNotice, now - last < .seconds(60) { return nil }
            lastNotice = now
            defer { refusedSinceNotice = 0 }
            return refusedSinceNotice
        }
    }

    func requestStarted(_ channel: any Channel) {
        lock.withLock {
            let id = ObjectIdentifier(channel)
            if channels[id] === channel { table.requestStarted(id) }
        }
    }

    func requestFinished(_ channel: any Channel) {
        lock.withLock {
            let id = ObjectIdentifier(channel)
            if channels[id] === channel { table.requestFinished(id, now: .now()) }
        }
    }

    /// Counts a refused connection that stays a moment to read its answer; false when too many already do.
    func startLingering() -> Bool {
        lock.withLock {
            guard lingering < Self.maxLingering else { return false }
            lingering += 1
            return true
        }
    }

    func stopLingering() {
        lock.withLock { lingering -= 1 }
    }

    private func closed(_ channel: any Channel) {
        lock.withLock {
            let id = ObjectIdentifier(channel)
            // A replaced connection left the table already; its identifier may belong to a newer one since.
            guard channels[id] === channel else { return }
            channels[id] = nil
            table.closed(id)
        }
    }
}
