import NIOCore
import NIOHTTP1
import NIOPosix

/// One kept-alive HTTP/1.1 connection to the peer's API for many requests in a row, as browsers and HTTP
/// libraries do; the benchmarks use it so that they measure the peer rather than TCP set-up.
final class APISession {
    private let client: APIClient
    private var connection: APIClient.Connection?
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator?
    private var outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>?

    init(client: APIClient) { self.client = client }

    /// Sends one request with a small body and reads the whole reply; reconnects when needed.
    func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil) async throws -> APIClient.Reply {
        if connection == nil { try await connect() }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(client.host):\(client.port)")
        head.headers.add(name: "Content-Length", value: "\(body?.readableBytes ?? 0)")
        try await outbound!.write(.head(head))
        if let body { try await outbound!.write(.body(.byteBuffer(body))) }
        try await outbound!.write(.end(nil))
        var reply = APIClient.Reply(status: .ok, body: ByteBuffer())
        while let part = try await inbound!.next() {
            switch part {
            case .head(let head): reply.status = head.status
            case .body(var chunk): reply.body.writeBuffer(&chunk)
            case .end: return reply
            }
        }
        close()
        throw CLIError("the peer closed the connection before answering")
    }

    func close() {
        // An async writer must be finished before it is dropped.
        outbound?.finish()
        connection?.channel.close(promise: nil)
        connection = nil
        inbound = nil
        outbound = nil
    }

    private func connect() async throws {
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: client.host, port: client.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try APIClient.Connection(wrappingChannelSynchronously: channel)
                }
            }
        self.connection = connection
        inbound = connection.inbound.makeAsyncIterator()
        outbound = connection.outbound
    }
}
