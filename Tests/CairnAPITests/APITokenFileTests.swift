import CairnAPI
import Foundation
import Testing

struct APITokenFileTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "cairn-token-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aTokenIsWrittenOnceWithMode0600AndReadBack() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try APITokenFile.load(dataDirectory: directory) == nil)
        let (token, created) = try APITokenFile.loadOrCreate(dataDirectory: directory)
        #expect(created)
        #expect(token.value.count == 64)
        let path = APITokenFile.path(dataDirectory: directory)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let again = try APITokenFile.loadOrCreate(dataDirectory: directory)
        #expect(again.token == token && !again.created)
        #expect(throws: APITokenError.alreadyExists(path: path)) {
            try APITokenFile.save(APIToken.generate(), dataDirectory: directory)
        }
        #expect(try APITokenFile.load(dataDirectory: directory) == token)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [APITokenFile.name])
    }

    @Test func aFileOthersMayReadOrThatHoldsNoTokenIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = APITokenFile.path(dataDirectory: directory)
        _ = try APITokenFile.loadOrCreate(dataDirectory: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: APITokenError.tooOpen(path: path, mode: 0o644)) {
            try APITokenFile.load(dataDirectory: directory)
        }
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(throws: APITokenError.malformed(path: path)) { try APITokenFile.load(dataDirectory: directory) }
    }

    @Test func tokensAreComparedWhole() throws {
        let token = try #require(APIToken("  0123456789abcdef0123\n"))
        #expect(token.value == "0123456789abcdef0123")
        #expect(token.matches("0123456789abcdef0123"))
        #expect(!token.matches("0123456789abcdef012"))
        #expect(!token.matches("0123456789abcdef01234"))
        #expect(!token.matches(""))
        #expect(APIToken("with space inside it") == nil)
        #expect(APIToken("short") == nil)
        #expect(!"\(token)".contains(token.value), "printing a token does not show it")
    }
}
