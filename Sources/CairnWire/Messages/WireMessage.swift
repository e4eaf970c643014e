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

extension WireMessage {
    /// Bytes of the bulk payload this message carries (a shard, a blob, an echo), 0 for the rest: what the
    /// transport reserves room for before it encodes the message, so that a 1 MiB shard is copied into its frame
    /// once instead of into a buffer that doubles (and is copied again) a dozen times on the way.
    public var bulkByteCount: Int {
        switch self {
        case .request(_, .echo(let payload)), .response(_, .echo(let payload)):
            payload.readableBytes
        case .request(_, .storage(.putShard(_, _, _, let bytes))), .request(_, .storage(.putBlob(_, _, _, let bytes))),
            .response(_, .storage(.shard(let bytes))), .response(_, .storage(.blob(let bytes?))):
            bytes.readableBytes
        case .response(_, .storage(.located(let descriptor, let placement))):
            (descriptor?.readableBytes ?? 0) + (placement?.readableBytes ?? 0)
        default:
            0
        }
    }
}
