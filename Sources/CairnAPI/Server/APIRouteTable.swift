import Foundation

/// The API's paths and the methods each takes, read from the OpenAPI document (which `OpenAPITests` holds equal
/// to the routes registered), so that a known path asked with another method is answered 405 with `Allow`
/// (RFC 9110 §15.5.6) rather than the router's 404, which would say the resource does not exist.
struct APIRouteTable: Sendable {
    private struct Route: Sendable {
        /// One entry per path segment: the literal, or nil for a `{parameter}`.
        var segments: [String?]
        var methods: [String]
    }

    private let routes: [Route]

    /// Reads the `paths` of an OpenAPI 3 document; nil when the document has none.
    init?(openAPI data: Data) {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { return nil }
        let methods = Set(["get", "head", "post", "put", "delete", "patch", "options", "trace"])
        routes = paths.map { path, operations in
            Route(
                segments: path.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : String($0) },
                methods: operations.keys.filter(methods.contains).map { $0.uppercased() }.sorted())
        }
    }

    /// The methods `path` takes, or nil when no route has that path.
    func allowedMethods(path: String) -> [String]? {
        let segments = path.split(separator: "/")
        let matching = routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { template, segment in
                    template.map { $0 == segment } ?? true
                }
        }
        guard !matching.isEmpty else { return nil }
        return Array(Set(matching.flatMap(\.methods))).sorted()
    }

    /// The table of the document this build ships; nil only if the resource is missing.
    static let shipped: APIRouteTable? = {
        guard case .success(let buffer) = OpenAPIRoute.document else { return nil }
        return APIRouteTable(openAPI: Data(buffer.readableBytesView))
    }()
}
