import Foundation
import Hummingbird
import NIOCore

/// `GET /api/v0/openapi.json`: the OpenAPI 3 description of every route, shipped as a package resource (next
/// to the binary, in `cairn_CairnAPI.resources`) and kept true by `simulations/check-openapi.py`, which runs
/// schemathesis against a live peer. It needs the token like every route but health.
struct OpenAPIRoute: Sendable {
    /// Read once, at the first request.
    static let document: Result<ByteBuffer, APIError> = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else {
            return .failure(APIError(.internalServerError, "the OpenAPI document is missing from cairn's resources"))
        }
        return .success(ByteBuffer(bytes: data))
    }()

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: try Self.document.get()))
        }
    }
}
