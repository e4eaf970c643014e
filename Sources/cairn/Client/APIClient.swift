import CairnAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the peer's local API; the CLI's only way to talk to a running peer.
struct APIClient {
    let host: String
    let port: Int

    init(address: String) throws {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw CLIError("'\(address)' is not an API address: expected HOST:PORT, e.g. 127.0.0.1:5002")
        }
        self.host = String(parts[0])
        self.port = port
    }

    struct Reply {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    /// Sends one request and collects the whole reply.
    func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil) async throws -> Reply {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Reply.self)
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw CLIError("cannot reach the peer's API at \(host):\(port) (\(error)); is `cairn run` running there?")
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Content-Length", value: "\(body?.readableBytes ?? 0)")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    /// GETs or POSTs and decodes a JSON reply, turning `{"error": ...}` replies into CLIError.
    func json<T: Decodable>(_ method: HTTPMethod, _ path: String, as type: T.Type) async throws -> T {
        let reply = try await send(method, path)
        let data = Data(reply.body.readableBytesView)
        guard reply.status == .ok else {
            if let error = try? JSONDecoder().decode(ErrorResponse.self, from: data) { throw CLIError(error.error) }
            throw CLIError("the peer answered \(reply.status.code) \(reply.status.reasonPhrase)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw CLIError("the peer's answer could not be read: \(error)")
        }
    }
}

private final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<APIClient.Reply>
    private var status: HTTPResponseStatus = .ok
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<APIClient.Reply>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = head.status
        case .body(var chunk): body.writeBuffer(&chunk)
        case .end: promise.succeed(.init(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(CLIError("the peer closed the connection before answering"))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
