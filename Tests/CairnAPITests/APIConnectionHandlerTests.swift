@testable import CairnAPI
import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@Suite struct APIConnectionHandlerTests {
    func connectedChannel(limiter: APIConnectionLimiter) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        #expect(limiter.admit(channel))
        try channel.pipeline.syncOperations.addHandler(
            APIConnectionHandler(limiter: limiter, headerTimeout: limiter.limits.headerTimeout))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func limiter(max: Int = 4) -> APIConnectionLimiter {
        APIConnectionLimiter(
            limits: APILimits(maxConnections: max, headerTimeout: .seconds(5), idleTimeout: .seconds(60)),
            logger: Logger(label: "test"))
    }

    @Test func aConnectionWithoutARequestHeadIsClosedAtTheHeaderTimeout() throws {
        let limiter = limiter()
        let channel = try connectedChannel(limiter: limiter)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        #expect(limiter.openConnections == 0)
    }

    @Test func aRequestHeadInTimeKeepsTheConnection() throws {
        let limiter = limiter()
        let channel = try connectedChannel(limiter: limiter)
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "x", path: "/")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(channel.isActive)
        #expect(limiter.openConnections == 1)
        _ = try channel.finish()
    }

    @Test func atTheCapANewConnectionReplacesOneThatNeverSentARequest() async throws {
        let limiter = limiter(max: 2)
        let idle = try connectedChannel(limiter: limiter)
        let busy = try connectedChannel(limiter: limiter)
        try busy.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "x", path: "/")))
        // Within the grace, nobody makes room.
        #expect(!limiter.admit(EmbeddedChannel()))
        idle.embeddedEventLoop.advanceTime(by: .seconds(2))
        busy.embeddedEventLoop.advanceTime(by: .seconds(2))
        try await Task.sleep(for: .milliseconds(1100))
        let newcomer = EmbeddedChannel()
        #expect(limiter.admit(newcomer))
        #expect(!idle.isActive)
        #expect(busy.isActive)
        #expect(limiter.openConnections == 2)
        _ = try busy.finish()
    }

    @Test func aRefusedConnectionIsAnswered503() throws {
        let limiter = limiter(max: 1)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RefusedConnectionHandler(limiter: limiter))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let text = String(buffer: written)
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(text.contains("maximum of 1 connections"))
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }
}
