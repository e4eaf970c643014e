import NIOCore
import NIOHTTP1
import NIOPosix

/// One kept-alive HTTP/1.1 connection to the peer's API for many requests in a row, as browsers and HTTP
/// libraries do; the benchmarks use it so that they measure the peer rather than TCP set-up.
struct APISession {
    let client: APIClient
    var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    /// Sends one request with a small body and reads the whole reply.
    mutating func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil) async throws -> APIClient.Reply {
        try await outbound.write(.head(client.requestHead(method, path, contentLength: UInt64(body?.readableBytes ?? 0))))
        if let body { try await outbound.write(.body(.byteBuffer(body))) }
        try await outbound.write(.end(nil))
        var reply = APIClient.Reply(status: .ok, body: ByteBuffer())
        while let part = try await inbound.next() {
            switch part {
            case .head(let head): reply.status = head.status
            case .body(var chunk): reply.body.writeBuffer(&chunk)
            case .end: return reply
            }
        }
        throw CLIError("the peer closed the connection before answering")
    }
}

extension APIClient {
    /// Opens one connection, runs `body` with a session on it, and closes it.
    func withSession<T: Sendable>(_ body: (inout APISession) async throws -> T) async throws -> T {
        try await connect().executeThenClose { inbound, outbound in
            var session = APISession(client: self, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&session)
        }
    }
}
