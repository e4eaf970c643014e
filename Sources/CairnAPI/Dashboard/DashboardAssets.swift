import Foundation
import Hummingbird
import NIOCore

/// The dashboard's HTML, CSS and JavaScript modules, shipped as package resources (`Resources/dashboard`, next
/// to the binary in `cairn_CairnAPI.resources`) and read once. No build step: the files are served as written.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    /// File name → asset; only names made of letters, digits, `-` and `.` are taken.
    let files: [String: Asset]

    static let shipped = DashboardAssets(directory: Bundle.module.url(forResource: "dashboard", withExtension: nil))

    init(directory: URL?) {
        var files: [String: Asset] = [:]
        let names = directory.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        for name in names where Self.isAssetName(name) {
            guard let directory, let type = Self.contentType(of: name),
                let data = try? Data(contentsOf: directory.appendingPathComponent(name))
            else { continue }
            files[name] = Asset(body: ByteBuffer(bytes: data), contentType: type)
        }
        self.files = files
    }

    static func isAssetName(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.contains("..")
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)
            }
    }

    static func contentType(of name: String) -> String? {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: nil
        }
    }

    /// The headers every asset is sent with. The policy lets the page load nothing from elsewhere and be framed
    /// by no one (clickjacking); `no-cache` makes the browser revalidate, so an upgraded peer serves its own files.
    static let headers: HTTPFields = [
        .cacheControl: "no-cache",
        .init("X-Content-Type-Options")!: "nosniff",
        .init("X-Frame-Options")!: "DENY",
        .init("Referrer-Policy")!: "no-referrer",
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            + "frame-ancestors 'none'; form-action 'self'",
    ]

    func response(_ name: String) throws -> Response {
        guard let asset = files[name] else {
            throw APIError(.notFound, "the dashboard has no file named '\(name.prefix(60))'")
        }
        var headers = Self.headers
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
