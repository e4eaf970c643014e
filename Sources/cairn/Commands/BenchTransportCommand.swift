import ArgumentParser
import CairnCrypto
import CairnNet
import CairnPeer
import CairnWire
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Frames/s and MB/s through one secure connection on loopback: two transports in this process, one event
/// loop each, echo requests pipelined over a single authenticated connection.
struct BenchTransportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport", abstract: "Frames/s and MB/s through one secure connection on loopback.")

    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(help: "Payload of the small-frame test, bytes.") var smallBytes: Int = 64
    @Option(help: "Payload of the bulk test, bytes.") var bulkBytes: Int = 1024 * 1024
    @Option(help: "Requests in flight.") var window: Int = 64
    @Flag(help: "Print JSON.") var json = false

    struct Report: Codable {
        var smallFramesPerSecond: Double
        var smallPayloadBytes: Int
        var bulkMBPerSecond: Double
        var bulkFramesPerSecond: Double
        var bulkPayloadBytes: Int
        var rttMsMedian: Double
        var rttMsP99: Double

        enum CodingKeys: String, CodingKey {
            case smallFramesPerSecond = "small_frames_per_s"
            case smallPayloadBytes = "small_payload_bytes"
            case bulkMBPerSecond = "bulk_mb_per_s"
            case bulkFramesPerSecond = "bulk_frames_per_s"
            case bulkPayloadBytes = "bulk_payload_bytes"
            case rttMsMedian = "rtt_ms_median"
            case rttMsP99 = "rtt_ms_p99"
        }
    }

    func validate() throws {
        guard smallBytes >= 0, bulkBytes > 0, bulkBytes <= 4 * 1024 * 1024 else {
            throw ValidationError("payloads must be 0...4194304 bytes")
        }
        guard window >= 1, seconds > 0 else { throw ValidationError("--window and --seconds must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "cairn.bench")
        logger.logLevel = .warning
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let parameters = NetworkParameters.embedded
        func makeTransport(_ loop: EventLoop) -> Transport {
            let config = HandshakeConfig(
                identity: Identity.generate(puzzleBits: parameters.puzzleBits), networkID: parameters.networkID,
                puzzleBits: parameters.puzzleBits, advertisedAddress: nil)
            var limits = TransportLimits()
            limits.maxOutboundInFlightPerPeer = max(window, 1)
            return Transport(eventLoop: loop, handshakeConfig: config, limits: limits, logger: logger)
        }
        let server = makeTransport(group.next())
        server.setRequestHandler { request, _, _ in
            if case .echo(let payload) = request { return server.eventLoop.makeSucceededFuture(.echo(payload)) }
            return server.eventLoop.makeSucceededFuture(.error(RemoteError(code: .badRequest, message: "echo only")))
        }
        let address = try await server.listen(host: "127.0.0.1", port: 0).get()
        let client = makeTransport(group.next())
        let connection = try await client.connect(to: address, expecting: server.localPeerID).get()

        let small = try await measure(client, connection, payloadBytes: smallBytes)
        let bulk = try await measure(client, connection, payloadBytes: bulkBytes)
        _ = try await client.shutdown().get()
        _ = try await server.shutdown().get()
        try await group.shutdownGracefully()

        // Each echo is two frames on the wire: the request and the answer.
        let report = Report(
            smallFramesPerSecond: 2 * small.echoesPerSecond, smallPayloadBytes: smallBytes,
            bulkMBPerSecond: 2 * bulk.echoesPerSecond * Double(bulkBytes) / 1_000_000,
            bulkFramesPerSecond: 2 * bulk.echoesPerSecond, bulkPayloadBytes: bulkBytes,
            rttMsMedian: small.latency.median, rttMsP99: small.latency.p99)
        if json { return try printJSON(report) }
        printTable(["TEST", "FRAMES/S", "MB/S", "RTT MEDIAN MS", "RTT P99 MS"], [
            ["\(smallBytes) B frames", String(format: "%.0f", report.smallFramesPerSecond),
             String(format: "%.1f", report.smallFramesPerSecond * Double(smallBytes) / 1_000_000),
             String(format: "%.3f", small.latency.median), String(format: "%.3f", small.latency.p99)],
            ["\(bulkBytes) B frames", String(format: "%.0f", report.bulkFramesPerSecond),
             String(format: "%.0f", report.bulkMBPerSecond),
             String(format: "%.3f", bulk.latency.median), String(format: "%.3f", bulk.latency.p99)],
        ])
        print("one secure connection on loopback, \(window) requests in flight; MB/s counts both directions")
    }

    private func measure(_ client: Transport, _ connection: Connection, payloadBytes: Int) async throws
        -> (echoesPerSecond: Double, latency: LatencySummary)
    {
        let payload = ByteBuffer(bytes: Random.bytes(payloadBytes))
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        let started = clock.now
        var latencies: [Double] = []
        let echo: @Sendable () async throws -> Double = {
            let begin = clock.now
            _ = try await client.request(.echo(payload), over: connection, timeout: .seconds(30)).get()
            return (clock.now - begin).millisecondsDouble
        }
        try await withThrowingTaskGroup(of: Double.self) { tasks in
            for _ in 0..<window { tasks.addTask(operation: echo) }
            while let latency = try await tasks.next() {
                latencies.append(latency)
                if clock.now < deadline { tasks.addTask(operation: echo) }
            }
        }
        let elapsed = (clock.now - started).secondsDouble
        return (Double(latencies.count) / elapsed, LatencySummary(latencies))
    }
}
