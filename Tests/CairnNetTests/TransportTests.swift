@testable import CairnNet
import CairnPeer
import CairnStorage
import CairnWire
import Logging
import NIOCore
import NIOPosix
import Testing

/// The SwiftNIO transport over real loopback sockets, in one process.
struct TransportTests {
    static func makeTransport(_ group: EventLoopGroup, network: NetworkParameters = .embedded) -> Transport {
        let identity = Identity.generate(puzzleBits: network.puzzleBits)
        let config = HandshakeConfig(identity: identity, networkID: network.networkID, puzzleBits: network.puzzleBits,
                                     advertisedAddress: nil)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Transport(eventLoop: group.next(), handshakeConfig: config, logger: logger)
    }

    static func echoServer(_ transport: Transport) {
        transport.setRequestHandler { request, _, _ in
            guard case .echo(let payload) = request else {
                return transport.eventLoop.makeSucceededFuture(.error(RemoteError(code: .badRequest, message: "echo only")))
            }
            return transport.eventLoop.makeSucceededFuture(.echo(payload))
        }
    }

    @Test func manyRequestsShareOneAuthenticatedConnection() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (server, client, connection) = try await Self.echoPair(group)
        #expect(connection.remotePeerID == server.localPeerID)
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for i in 0..<100 {
                tasks.addTask {
                    let payload = ByteBuffer(bytes: [UInt8](repeating: UInt8(i), count: i * 100))
                    let answer = try await client.request(.echo(payload), over: connection, timeout: .seconds(10)).get()
                    return answer == .echo(payload)
                }
            }
            for try await ok in tasks { #expect(ok) }
        }
        #expect(try await client.connectionCount().get() == 1)
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()
    }

    /// An echo server and a client connected to it.
    static func echoPair(_ group: EventLoopGroup) async throws -> (Transport, Transport, Connection) {
        let server = makeTransport(group)
        echoServer(server)
        let address = try await server.listen(host: "127.0.0.1", port: 0).get()
        let client = makeTransport(group)
        return (server, client, try await client.connect(to: address, expecting: server.localPeerID).get())
    }

    /// Sends `payload` over `connection` as one sealed frame, whatever it holds.
    static func sendSealed(_ payload: [UInt8], over connection: Connection) async throws {
        try await connection.channel.eventLoop.submit {
            let pipeline = connection.channel.pipeline.syncOperations
            let handler = try pipeline.handler(type: SecureChannelHandler.self)
            let context = try pipeline.context(handlerType: SecureChannelHandler.self)
            handler.seal(context: context, promise: nil) { $0.writeBytes(payload) }
            context.flush()
        }.get()
    }

    /// A newer peer's request (a storage operation this version does not know) is answered with an error, and
    /// the connection serves on; a malformed message still closes it.
    @Test func aRequestThisVersionDoesNotKnowIsAnsweredAndTheConnectionServesOn() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (server, client, connection) = try await Self.echoPair(group)
        let unknownOp: [UInt8] = [WireCodec.protocolVersion, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 0xEE]
        try await Self.sendSealed(unknownOp, over: connection)
        let payload = ByteBuffer(bytes: [1, 2, 3])
        let answer = try await client.request(.echo(payload), over: connection, timeout: .seconds(10)).get()
        #expect(answer == .echo(payload))
        #expect(try await server.connectionCount().get() == 1)

        // Truncated: malformed, and the connection is closed.
        try await Self.sendSealed([WireCodec.protocolVersion, 0, 0, 0], over: connection)
        await #expect(throws: (any Error).self) {
            _ = try await client.request(.echo(payload), over: connection, timeout: .seconds(10)).get()
        }
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()
    }

    @Test func anAnnouncementArrivesWithTheSendersAuthenticatedID() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = Self.makeTransport(group)
        let (heard, continuation) = AsyncStream.makeStream(of: (Announcement, PeerID).self)
        server.setAnnouncementHandler { announcement, from in continuation.yield((announcement, from)) }
        Self.echoServer(server)
        let address = try await server.listen(host: "127.0.0.1", port: 0).get()
        let client = Self.makeTransport(group)
        try await client.announce(.dht(.leaving), to: PeerInfo(id: server.localPeerID, address: address)).get()
        var iterator = heard.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.0 == .dht(.leaving))
        #expect(first?.1 == client.localPeerID)
        // The connection keeps serving requests after a one-way message.
        let payload = ByteBuffer(bytes: [7, 7])
        let answer = try await client.request(.echo(payload), to: PeerInfo(id: server.localPeerID, address: address),
                                              timeout: .seconds(10)).get()
        #expect(answer == .echo(payload))
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()
    }

    @Test func aPeerThatIsNotTheOneDialedIsRefused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = Self.makeTransport(group)
        Self.echoServer(server)
        let address = try await server.listen(host: "127.0.0.1", port: 0).get()
        let client = Self.makeTransport(group)
        await #expect(throws: (any Error).self) {
            _ = try await client.connect(to: address, expecting: Random.key256()).get()
        }
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()
    }

    @Test func peersOfAnotherNetworkAreRefused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var elsewhere = NetworkParameters.embedded
        elsewhere.network = "another-network"
        let server = Self.makeTransport(group)
        Self.echoServer(server)
        let address = try await server.listen(host: "127.0.0.1", port: 0).get()
        let client = Self.makeTransport(group, network: elsewhere)
        await #expect(throws: (any Error).self) {
            _ = try await client.connect(to: address, expecting: nil).get()
        }
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()
    }

    @Test func aRequestWithNoAnswerTimesOut() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = Self.makeTransport(group)
        // A handler that never answers.
        server.setRequestHandler { _, _, _ in server.eventLoop.makePromise(of: Response.self).futureResult }
        let address = try await server.listen(host: "127.0.0.1", port: 0).get()
        let client = Self.makeTransport(group)
        let connection = try await client.connect(to: address, expecting: server.localPeerID).get()
        await #expect(throws: TransportError.self) {
            _ = try await client.request(.echo(ByteBuffer()), over: connection, timeout: .milliseconds(200)).get()
        }
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()
    }
}

struct PlacementTests {
    @Test(arguments: [(8, 8), (8, 10), (3, 40), (2, 3)])
    func eachSegmentsShardsGoToDistinctProvidersAndLoadSpreads(_ n: Int, _ ringSize: Int) {
        let ring = (0..<ringSize).map {
            PeerInfo(id: SHA256.hash([UInt8($0)]), address: PeerAddress(host: "h", port: UInt16($0 + 1)))
        }
        let placement = RingPlacement(ring: ring, n: n)
        var load: [PeerID: Int] = [:]
        for segment in 0..<(ringSize * 4) {
            let holders = placement.holders(forSegment: segment)
            #expect(Set(holders.map(\.id)).count == n, "segment \(segment)")
            for holder in holders { load[holder.id, default: 0] += 1 }
        }
        #expect((load.values.max() ?? 0) - (load.values.min() ?? 0) <= 1 || ringSize % n != 0)
        #expect(load.count == ringSize)
    }
}
