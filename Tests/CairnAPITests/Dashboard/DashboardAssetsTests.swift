import Foundation
import NIOCore
import Testing

@testable import CairnAPI

/// The dashboard's files as shipped: everything the page loads is there, from this peer only, and small.
struct DashboardAssetsTests {
    let assets = DashboardAssets.shipped

    func text(_ name: String) throws -> String {
        let asset = try #require(assets.files[name], "\(name) is shipped")
        return String(buffer: asset.body)
    }

    /// Every `/ui/NAME` the page and its modules name.
    func references(in text: String) -> Set<String> {
        let pattern = /\/ui\/([A-Za-z0-9._-]+)/
        return Set(text.matches(of: pattern).map { String($0.output.1) })
    }

    @Test func everyFileThePageLoadsIsShipped() throws {
        var pending = ["index.html"]
        var seen = Set<String>()
        while let name = pending.popLast() {
            guard seen.insert(name).inserted else { continue }
            pending += references(in: try text(name)).sorted()
        }
        #expect(seen.isSuperset(of: ["index.html", "app.js", "style.css", "files.js", "network.js", "provider.js"]))
        let total = seen.compactMap { assets.files[$0]?.body.readableBytes }.reduce(0, +)
        #expect(total <= 300_000, "the first page is at most 300 KB; its files are \(total) bytes")
    }

    @Test func nothingIsLoadedFromElsewhere() throws {
        for name in assets.files.keys {
            // The SVG namespace is a name, not an address anything is loaded from.
            let content = try text(name).replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            for external in ["http://", "https://", "//fonts.", "@import"] {
                #expect(!content.contains(external), "\(name) names \(external)")
            }
        }
    }

    @Test func contentTypesAndNames() {
        #expect(DashboardAssets.contentType(of: "app.js") == "text/javascript; charset=utf-8")
        #expect(DashboardAssets.contentType(of: "style.css") == "text/css; charset=utf-8")
        #expect(DashboardAssets.contentType(of: "index.html") == "text/html; charset=utf-8")
        #expect(DashboardAssets.contentType(of: "notes.txt") == nil)
        #expect(DashboardAssets.isAssetName("ring.js"))
        for name in ["../api-token", ".hidden", "a/b.js", "a b.js", ""] {
            #expect(!DashboardAssets.isAssetName(name) || name.isEmpty, "\(name)")
        }
        #expect(throws: APIError.self) { try assets.response("../openapi.json") }
    }

    @Test func thePageMayNotBeFramedNorLoadFromElsewhere() throws {
        let response = try assets.response("index.html")
        #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
        #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
    }

    @Test func anEventIsOneDataLineOfJSON() {
        let event = EventsRoute.event("snapshot", EventSnapshot(id: "ab", peers: 3, status: nil))
        #expect(String(buffer: event) == "event: snapshot\ndata: {\"id\":\"ab\",\"peers\":3}\n\n")
    }
}
