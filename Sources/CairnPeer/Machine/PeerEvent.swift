import CairnDHT
import CairnWire

/// Names a request this peer sent, so that its answer or failure finds its way back (`PeerEvent.answered`).
public struct OutboundID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "out#\(rawValue)" }
}

/// Names a request another peer sent this one, so that the driver can route the machine's response to it.
public struct InboundID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "in#\(rawValue)" }
}

/// Names a local command (`cairn dht closest`, the API), so that its result is delivered to the right caller.
public struct CommandID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "cmd#\(rawValue)" }
}

/// Something that happened to the peer, with the instant it happened at (`PeerMachine.handle(_:now:)`).
public enum PeerEvent: Sendable {
    /// The driver bound the listener at `address`; the machine starts joining.
    case started(PeerAddress)
    /// The peer is shutting down: pending commands fail, the routing table is saved.
    case stopping
    /// Another peer asks something; the machine answers with `.respond(id, …)`, now or later.
    case requestReceived(InboundID, Request, from: PeerInfo?, remote: PeerID)
    /// The peer answered request `id` (an error answer included).
    case answered(OutboundID, Response)
    /// Request `id` could not be delivered or its connection failed before an answer.
    case failed(OutboundID, reason: String)
    /// A dial to a bootstrap address completed its handshake: the address belongs to `peer`.
    case dialed(OutboundID, PeerID)
    /// The authenticated peer `from` sent a one-way message.
    case announced(Announcement, from: PeerID)
    /// A timer the machine armed fired. Timers the machine no longer needs are ignored.
    case timerFired(PeerTimer)
    /// A local command.
    case command(CommandID, PeerCommand)
    /// The store operation `ticket` (`PeerAction.store`) finished.
    case storeCompleted(StoreTicket, StoreOutcome)
}

/// What a local user of the peer (the CLI through the API, a benchmark) asks of it.
public enum PeerCommand: Sendable {
    /// Runs a DHT query; answered with `.queryFinished`.
    case query(DHTQuery)
}
