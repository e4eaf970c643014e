import CairnAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the peer's local API; the CLI's only way to talk to a running peer.
/// Bodies stream both ways with backpressure, so a file of any size passes in bounded memory.
struct APIClient {
    let host: String
    let port: Int
    /// Sent as `Authorization: Bearer` on every request; without it the peer answers 401.
    let token: APIToken?

    init(address: String, token: APIToken?) throws {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw CLIError("'\(address)' is not an API address: expected HOST:PORT, e.g. 127.0.0.1:5002")
        }
        self.host = String(parts[0])
        self.port = port
        self.token = token
    }

    struct Reply {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// Opens a connection, sends the request head and `body`, and hands the response head and body parts to
    /// `onHead` / `onBody` as they arrive.
    func exchange(
        _ method: HTTPMethod, _ path: String, contentLength: UInt64?, headers: [(String, String)] = [],
        body: (NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) async throws -> Void,
        onHead: (HTTPResponseHead) async throws -> Void,
        onBody: (ByteBuffer) async throws -> Void
    ) async throws {
        let connection = try await connect()
        try await connection.executeThenClose { inbound, outbound in
            var head = requestHead(method, path, contentLength: contentLength)
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            // The peer may refuse an upload before reading all of it (no room, too few providers) and close:
            // its answer is then still waiting to be read, and says more than the failed write.
            var writeError: Error?
            do {
                try await outbound.write(.head(head))
                try await body(outbound)
                try await outbound.write(.end(nil))
            } catch let error as UploadSizeMismatch {
                // Our own side is wrong: close mid-body so that the peer abandons the upload, and say why.
                throw error
            } catch {
                writeError = error
            }
            var ended = false
            do {
                for try await part in inbound {
                    switch part {
                    case .head(let head): try await onHead(head)
                    case .body(let chunk): try await onBody(chunk)
                    case .end:
                        ended = true
                    }
                    if ended { break }
                }
            } catch {
                if let writeError { throw writeError }
                throw error
            }
            guard ended else {
                if let writeError { throw CLIError("the peer stopped reading the request: \(writeError)") }
                throw CLIError("the peer closed the connection before the answer was complete")
            }
        }
    }

    /// A new HTTP connection to the API, with a message that says what to check when there is no peer.
    func connect() async throws -> Connection {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw CLIError("cannot reach the peer's API at \(host):\(port) (\(error)); is `cairn run` running there?")
        }
    }

    /// A request head; with no `contentLength` the body is sent chunked (RFC 9112 §7.1).
    func requestHead(_ method: HTTPMethod, _ path: String, contentLength: UInt64?) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token.value)") }
        if let contentLength {
            head.headers.add(name: "Content-Length", value: "\(contentLength)")
        } else {
            head.headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        return head
    }

    /// Sends one request with an optional small body and collects the whole reply.
    func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil) async throws -> Reply {
        var reply = Reply(status: .ok, body: ByteBuffer())
        try await exchange(
            method, path, contentLength: UInt64(body?.readableBytes ?? 0),
            body: { writer in if let body { try await writer.write(.body(.byteBuffer(body))) } },
            onHead: { reply.status = $0.status },
            onBody: { var chunk = $0; reply.body.writeBuffer(&chunk) })
        return reply
    }

    /// GETs, POSTs or DELETEs and decodes a JSON reply, turning `{"error": ...}` replies into CLIError.
    func json<T: Decodable>(_ method: HTTPMethod, _ path: String, as type: T.Type) async throws -> T {
        try decode(try await send(method, path), as: type)
    }

    func decode<T: Decodable>(_ reply: Reply, as type: T.Type) throws -> T {
        let data = Data(reply.body.readableBytesView)
        guard reply.status == .ok else { throw Self.error(status: reply.status, body: data) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw CLIError("the peer's answer could not be read: \(error)")
        }
    }

    static func error(status: HTTPResponseStatus, body: Data) -> CLIError {
        if let error = try? JSONDecoder().decode(ErrorResponse.self, from: body) { return CLIError(error.error) }
        return CLIError("the peer answered \(status.code) \(status.reasonPhrase)")
    }

    /// Streams `source` as the request body and decodes the JSON reply. A regular file is sent with its size as
    /// the Content-Length and must yield exactly that many bytes (`UploadSizeMismatch` otherwise, with the
    /// connection closed mid-body so the peer stores nothing); anything else is sent chunked, to its end.
    func upload<T: Decodable>(_ source: UploadSource, to path: String, progress: Progress?, as type: T.Type)
        async throws -> T
    {
        var reply = Reply(status: .ok, body: ByteBuffer())
        try await exchange(
            .POST, path, contentLength: source.size,
            body: { writer in
                var sent: UInt64 = 0
                while true {
                    var limit = 1 << 20
                    if let size = source.size { limit = Int(min(UInt64(limit), size - sent)) }
                    guard limit > 0 else { break }
                    let data = try source.read(upTo: limit)
                    if data.isEmpty { break }
                    try await writer.write(.body(.byteBuffer(ByteBuffer(bytes: data))))
                    sent += UInt64(data.count)
                    progress?.update(sent)
                }
                if let size = source.size {
                    guard sent == size else { throw UploadSizeMismatch(announced: size, read: sent, grew: false) }
                    guard try source.read(upTo: 1).isEmpty else {
                        throw UploadSizeMismatch(announced: size, read: sent + 1, grew: true)
                    }
                }
            },
            onHead: { reply.status = $0.status },
            onBody: { var chunk = $0; reply.body.writeBuffer(&chunk) })
        progress?.finish()
        return try decode(reply, as: type)
    }

    /// GETs `path` and streams a 200 or 206 reply's body to `sink`; any other status is read as an error
    /// (`APIStatusError`). `onHead` sees a 200 or 206 reply's head before any of its body.
    func download(
        _ path: String, headers: [(String, String)] = [], progress: Progress?,
        onHead: (HTTPResponseHead) throws -> Void = { _ in }, sink: (ByteBuffer) throws -> Void
    ) async throws {
        var status: HTTPResponseStatus = .ok
        var errorBody = ByteBuffer()
        let success: Set<UInt> = [200, 206]
        try await exchange(
            .GET, path, contentLength: 0, headers: headers, body: { _ in },
            onHead: { head in
                status = head.status
                if let length = head.headers.first(name: "Content-Length").flatMap(UInt64.init) {
                    progress?.total = length
                }
                if success.contains(status.code) { try onHead(head) }
            },
            onBody: { chunk in
                if success.contains(status.code) {
                    try sink(chunk)
                    progress?.add(UInt64(chunk.readableBytes))
                } else {
                    var chunk = chunk
                    errorBody.writeBuffer(&chunk)
                }
            })
        progress?.finish()
        guard success.contains(status.code) else {
            let error = Self.error(status: status, body: Data(errorBody.readableBytesView))
            throw APIStatusError(status: status, message: error.description)
        }
    }
}

/// A reply that is not a success, with its status: a caller can tell a refusal (4xx) from a failure (5xx).
struct APIStatusError: Error, CustomStringConvertible {
    var status: HTTPResponseStatus
    var message: String
    var description: String { message }
    var isRefusal: Bool { (400..<500).contains(status.code) }
}
