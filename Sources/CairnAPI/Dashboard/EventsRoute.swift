import CairnNet
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/v0/events`: server-sent events (the WHATWG HTML standard's `text/event-stream`) that keep the
/// dashboard's figures live without reloading: a `snapshot` event at once and then every `interval`.
///
/// A stream ends after `lifetime` (the browser's `EventSource` reconnects by itself after `retry`), so that no
/// connection is held for ever, and within a quarter second when the peer shuts down, so that it does not hold
/// the shutdown up.
struct EventsRoute: Sendable {
    let peer: NetworkPeer
    let files: FileService?
    var interval: Duration = .seconds(2)
    var lifetime: Duration = .seconds(300)

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("events") { _, _ in
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                let clock = ContinuousClock()
                let end = clock.now.advanced(by: lifetime)
                var next = clock.now
                while clock.now < end, !Task.isCancelled, !Task.isShuttingDownGracefully {
                    if clock.now >= next {
                        try await writer.write(Self.event("snapshot", try await snapshot()))
                        next = clock.now.advanced(by: interval)
                    }
                    // Short naps: a shutdown is noticed within one, and does not wait for a whole interval.
                    try? await Task.sleep(for: .milliseconds(250))
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: body)
        }
    }

    func snapshot() async throws -> EventSnapshot {
        let chain = PeerChain(peer: peer)
        var chainStatus: ChainStatusResponse?
        if let params = try? chain.params(), let status = try? await chain.status() {
            chainStatus = ChainStatusResponse(status, params: params)
        }
        return EventSnapshot(
            id: peer.peerID.hex, peers: try await peer.knownPeers().count,
            status: try files.map { try StatusResponse($0) }, chain: chainStatus)
    }

    /// One event: `event:` and a single `data:` line of JSON (it holds no newline), then a blank line.
    static func event<T: Encodable>(_ name: String, _ value: T) -> ByteBuffer {
        let json = (try? JSONEncoder.cairn.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
    }
}

/// The data of a `snapshot` event.
public struct EventSnapshot: Codable, Sendable {
    public var id: String
    /// Peers in the routing table.
    public var peers: Int
    /// As `GET /api/v0/status`; absent on a peer that serves no files.
    public var status: StatusResponse?
    /// As `GET /api/v0/chain/status`; absent on a peer that does not run the chain.
    public var chain: ChainStatusResponse?
}
