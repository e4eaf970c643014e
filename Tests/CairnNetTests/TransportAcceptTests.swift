import CairnPeer
import CairnWire
import NIOCore
import NIOEmbedded
import Testing

@testable import CairnNet

/// What `Transport` does with connections before they authenticate: the accept-time caps, the pre-handshake frame
/// limit and the handshake timeout, on `EmbeddedChannel`s with no sockets.
struct TransportAcceptTests {
    /// A connection the listener just accepted from `ip`, set up (or refused) by `transport.accept`.
    static func accepted(by transport: Transport, from ip: String, port: Int = 40000) throws
        -> (channel: EmbeddedChannel, admitted: Bool)
    {
        let channel = EmbeddedChannel(loop: transport.eventLoop as! EmbeddedEventLoop)
        try channel.connect(to: SocketAddress(ipAddress: ip, port: port)).wait()
        let admitted = (try? transport.accept(channel).wait()) != nil
        return (channel, admitted)
    }

    /// Moves bytes between two channels until neither has anything left to send.
    static func pump(_ a: EmbeddedChannel, _ b: EmbeddedChannel, _ loop: EmbeddedEventLoop) throws {
        var moved = true
        while moved {
            moved = false
            loop.run()
            while let bytes = try a.readOutbound(as: ByteBuffer.self) {
                try b.writeInbound(bytes)
                moved = true
            }
            while let bytes = try b.readOutbound(as: ByteBuffer.self) {
                try a.writeInbound(bytes)
                moved = true
            }
        }
    }

    struct NotCompleted: Error {}

    /// The value of a future that must have completed by now; throws rather than wait for one that has not.
    static func completed<Value>(_ future: EventLoopFuture<Value>) throws -> Value {
        var result: Result<Value, Error> = .failure(NotCompleted())
        future.assumeIsolated().whenComplete { result = $0 }
        return try result.get()
    }

    @Test func oneAddressMayHaveOnlyEightHandshakesPending() throws {
        let loop = EmbeddedEventLoop()
        let transport = TransportTests.makeTransport(loop)
        #expect(transport.limits.maxPendingHandshakesPerAddress == 8)
        for port in 0..<8 { #expect(try Self.accepted(by: transport, from: "192.0.2.1", port: 1000 + port).admitted) }
        let ninth = try Self.accepted(by: transport, from: "192.0.2.1", port: 2000)
        #expect(!ninth.admitted)
        #expect(try Self.accepted(by: transport, from: "192.0.2.2").admitted)
        #expect(transport.pendingHandshakeCount == 9)
    }

    @Test func sixtyFourHandshakesPendingInAllAreTheMost() throws {
        let loop = EmbeddedEventLoop()
        let transport = TransportTests.makeTransport(loop)
        #expect(transport.limits.maxPendingHandshakes == 64)
        var channels: [EmbeddedChannel] = []
        for i in 0..<64 {
            let (channel, admitted) = try Self.accepted(by: transport, from: "198.51.100.\(i)")
            #expect(admitted)
            channels.append(channel)
        }
        #expect(!(try Self.accepted(by: transport, from: "203.0.113.1").admitted))

        // A connection that closes frees its slot.
        try channels[0].close().wait()
        loop.run()
        #expect(transport.pendingHandshakeCount == 63)
        #expect(try Self.accepted(by: transport, from: "203.0.113.1").admitted)
    }

    @Test func theHandshakeTimeoutClosesPendingConnectionsAndFreesTheirSlots() throws {
        let loop = EmbeddedEventLoop()
        let transport = TransportTests.makeTransport(loop)
        let channels = try (0..<8).map { try Self.accepted(by: transport, from: "192.0.2.7", port: 1000 + $0).channel }
        #expect(transport.pendingHandshakeCount == 8)
        loop.advanceTime(by: transport.limits.handshakeTimeout)
        #expect(channels.allSatisfy { !$0.isActive })
        #expect(transport.pendingHandshakeCount == 0)
        #expect(try Self.accepted(by: transport, from: "192.0.2.7").admitted)
    }

    @Test func aSessionSizedLengthBeforeTheHandshakeClosesTheConnection() throws {
        let loop = EmbeddedEventLoop()
        let transport = TransportTests.makeTransport(loop)
        let (channel, admitted) = try Self.accepted(by: transport, from: "192.0.2.9")
        #expect(admitted)
        var flood = ByteBuffer()
        flood.writeInteger(UInt32(4 * 1024 * 1024))
        try channel.writeInbound(flood)
        loop.run()
        #expect(!channel.isActive)
        #expect(transport.pendingHandshakeCount == 0)
    }

    @Test func aCompletedHandshakeFreesItsSlotAndLiftsTheFrameLimit() throws {
        let loop = EmbeddedEventLoop()
        let server = TransportTests.makeTransport(loop)
        TransportTests.echoServer(server)
        let client = TransportTests.makeTransport(loop)

        let (serverSide, admitted) = try Self.accepted(by: server, from: "127.0.0.1", port: 50000)
        #expect(admitted)
        let clientSide = EmbeddedChannel(loop: loop)
        let dial = loop.makePromise(of: Connection.self)
        try client.configure(channel: clientSide, initiator: true, expectedPeer: server.localPeerID, dialPromise: dial)
        try clientSide.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4001)).wait()
        try Self.pump(clientSide, serverSide, loop)

        let connection = try Self.completed(dial.futureResult)
        #expect(connection.remotePeerID == server.localPeerID)
        #expect(server.pendingHandshakeCount == 0)
        let count = server.connectionCount()
        loop.run()
        #expect(try Self.completed(count) == 1)

        // A 200 KiB request each way: far above the handshake's 421 bytes.
        let payload = ByteBuffer(repeating: 0x5a, count: 200 * 1024)
        let answer = client.request(.echo(payload), over: connection, timeout: .seconds(5))
        try Self.pump(clientSide, serverSide, loop)
        #expect(try Self.completed(answer) == .echo(payload))
        #expect(serverSide.isActive && clientSide.isActive)
        _ = try? clientSide.finish()
        _ = try? serverSide.finish()
    }
}
