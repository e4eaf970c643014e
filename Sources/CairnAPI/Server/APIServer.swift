import CairnNet
import CairnStorage
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The peer's local HTTP API (JSON): how the CLI and applications talk to a running peer.
public enum APIServer {
    /// Builds the Hummingbird application serving `peer` on `address`, within `limits`, to the clients `access`
    /// lets in.
    public static func application(
        peer: NetworkPeer, files: FileService?, parameters: CodingParameters, host: String, port: Int,
        access: APIAccessPolicy, limits: APILimits = APILimits(), eventLoopGroup: EventLoopGroup, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.middlewares.add(APIErrorMiddleware())
        router.middlewares.add(APIAccessMiddleware(policy: access))
        let api = router.group("api/v0")
        HealthRoute().register(on: api)
        DHTRoutes(peer: peer).register(on: api)
        if let files { FileRoutes(files: files, parameters: parameters).register(on: api) }
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

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
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
            var response = JSONBody.response(ErrorResponse(error: error.message), status: error.status)
            response.headers.append(contentsOf: error.headers)
            return response
        } catch let error as HTTPError {
            return JSONBody.response(ErrorResponse(error: error.body ?? "\(error.status)"), status: error.status)
        } catch {
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
