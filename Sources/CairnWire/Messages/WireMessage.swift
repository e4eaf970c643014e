import NIOCore

/// Everything that travels inside a sealed frame after the handshake. Requests carry an id chosen by the
/// sender so that many may be in flight on one connection; a response echoes it. Announcements are one-way.
public enum WireMessage: Hashable, Sendable {
    case request(id: UInt64, Request)
    case response(id: UInt64, Response)
    case announcement(Announcement)
}

/// What one peer may ask another. New protocols (files, chain) add cases here.
public enum Request: Hashable, Sendable {
    case dht(DHTRequest)
    /// Diagnostics: the responder sends the payload back. Measures a connection's throughput and latency.
    case echo(ByteBuffer)
    case storage(StorageRequest)
    case chain(ChainRequest)
}

public enum Response: Hashable, Sendable {
    case dht(DHTResponse)
    case echo(ByteBuffer)
    case storage(StorageResponse)
    case chain(ChainResponse)
    /// The request could not be served; the text says why.
    case error(RemoteError)
}

/// A failure the remote peer reported, with a code a program can branch on and a sentence for people.
public struct RemoteError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: UInt16, Sendable {
        case badRequest = 1
        case overloaded = 2
        case notFound = 3
        case refused = 4
        case noCapacity = 5
        case internalError = 6
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "remote peer: \(message) (\(code))" }
}
