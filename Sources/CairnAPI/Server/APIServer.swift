import CairnNet
import CairnStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The peer's local HTTP API (JSON): how the CLI and applications talk to a running peer.
public enum APIServer {
    /// Builds the Hummingbird application serving `peer` on `address`, within `limits`, to the clients `access`
    /// lets in; with `metrics`, the registry the process bootstrapped swift-metrics with, it serves `/metrics`.
    /// With `sessions` it serves the dashboard at `/` and takes its session cookie; `dashboardAddress` is the
    /// `--dashboard` listener, for the login links.
    public static func application(
        peer: NetworkPeer, files: FileService?, parameters: CodingParameters, host: String, port: Int,
        access: APIAccessPolicy, metrics: PrometheusCollectorRegistry? = nil, limits: APILimits = APILimits(),
        sessions: DashboardSessions? = nil, dashboardAddress: String? = nil,
        eventLoopGroup: EventLoopGroup, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        // Outermost, so that it sees the status of every answer, errors included: requests by route and status.
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(APIErrorMiddleware())
        router.middlewares.add(APIAccessMiddleware(policy: access, sessions: sessions))
        if let metrics { MetricsRoute(registry: metrics, peer: peer, files: files).register(on: router) }
        let api = router.group("api/v0")
        HealthRoute().register(on: api)
        OpenAPIRoute().register(on: api)
        DHTRoutes(peer: peer).register(on: api)
        EventsRoute(peer: peer, files: files).register(on: api)
        if let sessions {
            DashboardRoutes(assets: .shipped, sessions: sessions).register(on: router)
            LoginLinkRoute(sessions: sessions, dashboardAddress: dashboardAddress).register(on: api)
        }
        if let files { FileRoutes(files: files, parameters: parameters).register(on: api) }
        ChainRoutes(chain: PeerChain(peer: peer)).register(on: api)
        WalletRoutes(chain: PeerChain(peer: peer)).register(on: api)
        MarketRoutes(market: PeerMarket(peer: peer)).register(on: api)
        return Application(
            router: router,
            server: .limitedHTTP1(APIConnectionLimiter(limits: limits, logger: logger)),
            configuration: .init(address: .hostname(host, port: port), serverName: "cairn"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger
        )
    }
}

/// An API failure with the status it maps to.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Sent with the error, e.g. `WWW-Authenticate` with a 401.
    public var headers: HTTPFields
    /// A short label for `cairn_api_failures_total`; by default the status's reason phrase.
    public var reason: String

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:], reason: String? = nil) {
        self.status = status
        self.message = message
        self.headers = headers
        self.reason = reason ?? Self.label(status)
    }

    /// "Service Unavailable" → "service_unavailable".
    static func label(_ status: HTTPResponse.Status) -> String {
        String(status.reasonPhrase.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}

/// Turns every thrown error into `{"error": ...}` with a fitting status.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            APIMetrics.failed(status: error.status.code, reason: error.reason)
            var response = JSONBody.response(ErrorResponse(error: error.message), status: error.status)
            response.headers.append(contentsOf: error.headers)
            return response
        } catch let error as HTTPError where error.status == .notFound {
            // The router's 404 means no route for this method and path; a path that exists takes other methods.
            guard let allowed = APIRouteTable.shipped?.allowedMethods(path: request.uri.path) else {
                APIMetrics.failed(status: 404, reason: "not_found")
                return JSONBody.response(ErrorResponse(error: "no such route: \(request.uri.path.prefix(100))"),
                                         status: .notFound)
            }
            APIMetrics.failed(status: 405, reason: "method_not_allowed")
            var response = JSONBody.response(
                ErrorResponse(error: "\(request.uri.path.prefix(100)) takes \(allowed.joined(separator: ", ")), not "
                    + "\(request.method)"),
                status: .methodNotAllowed)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        } catch let error as HTTPError {
            APIMetrics.failed(status: error.status.code, reason: APIError.label(error.status))
            return JSONBody.response(ErrorResponse(error: error.body ?? "\(error.status)"), status: error.status)
        } catch {
            APIMetrics.failed(status: 500, reason: "internal_server_error")
            return JSONBody.response(ErrorResponse(error: "\(error)"), status: .internalServerError)
        }
    }
}

enum JSONBody {
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder.cairn.encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        buffer.writeString("\n")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
