import Foundation
import Testing

@testable import CairnAPI

struct APIRouteTableTests {
    let table = APIRouteTable(
        openAPI: Data(
            """
            {"openapi": "3.0.3", "paths": {
              "/api/v0/files": {"get": {}, "post": {}},
              "/api/v0/files/{id}": {"get": {}, "head": {}, "delete": {}, "parameters": []},
              "/api/v0/files/{id}/share": {"post": {}}
            }}
            """.utf8))

    @Test func knownPathsListTheirMethods() throws {
        let table = try #require(table)
        #expect(table.allowedMethods(path: "/api/v0/files") == ["GET", "POST"])
        #expect(table.allowedMethods(path: "/api/v0/files/abc") == ["DELETE", "GET", "HEAD"])
        #expect(table.allowedMethods(path: "/api/v0/files/cairn:ab:cd/share") == ["POST"])
    }

    @Test func unknownPathsHaveNone() throws {
        let table = try #require(table)
        #expect(table.allowedMethods(path: "/api/v0/nothing") == nil)
        #expect(table.allowedMethods(path: "/api/v0/files/a/b/c") == nil)
        #expect(table.allowedMethods(path: "/") == nil)
    }

    @Test func theShippedDocumentIsRead() throws {
        let table = try #require(APIRouteTable.shipped)
        #expect(table.allowedMethods(path: "/api/v0/health") == ["GET"])
        #expect(table.allowedMethods(path: "/metrics") == ["GET"])
    }
}
