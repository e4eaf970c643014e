import CairnCrypto
import Foundation
import Testing

/// Issue 6, item 11: one reference parser at every entry point, and names that are refused when they are not
/// UTF-8 and escaped when printed.
@Suite(.serialized)
struct InputTests {
    @Test func capabilitiesWithAnUpperCaseSchemeOrWhitespaceWorkEverywhere() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        let input = cluster.directory + "/input"
        let bytes = Random.bytes(100_000)
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let put = try cluster.json(0, ["put", input, "--k", "2", "--n", "4"])
        let id = try #require(put["id"] as? String)
        let capability = try #require(put["cap"] as? String)
        let shouted = capability.replacingOccurrences(of: "cairn:\(id)", with: "CAIRN:\(id.uppercased())")

        for (index, reference) in [shouted, "  \(capability)\n", "\t\(shouted) ", "Cairn:" + capability.dropFirst(6)]
            .enumerated()
        {
            let got = try cluster.json(3, ["get", reference, "-o", cluster.directory + "/out-\(index)"])
            #expect(got["sha256"] as? String == SHA256.hash(bytes).hex, "\(reference)")
            #expect(got["id"] as? String == id)
        }
        // The API path takes the same forms, percent-encoded or not.
        let peer = cluster.peers[3]
        let encoded = "CAIRN%3A" + capability.dropFirst(6).replacingOccurrences(of: ":", with: "%3A")
        for path in [shouted, "%20" + shouted + "%0A", encoded] {
            let reply = try RawHTTP.request(peer, "GET", "/api/v0/files/\(path)")
            #expect(reply.status == 200, "\(path): \(reply.text.prefix(200))")
        }
        // Upper-casing the base64url key makes another key, or no key at all when its last character then
        // carries bits past the 32 bytes: refused as a wrong key (403) or a malformed one (400), never served.
        let shoutedKey = capability.uppercased().replacingOccurrences(of: ":", with: "%3A")
        #expect([400, 403].contains(try RawHTTP.request(peer, "GET", "/api/v0/files/\(shoutedKey)").status))
        let malformed = try RawHTTP.request(peer, "GET", "/api/v0/files/CAIRN:nothex:key")
        #expect(malformed.status == 400)
        #expect(malformed.text.contains("file ID"), "\(malformed.text)")
        // The owner's file ID, upper-case and padded, for get and rm.
        let owned = try cluster.json(0, ["get", " \(id.uppercased()) ", "-o", cluster.directory + "/owned"])
        #expect(owned["sha256"] as? String == SHA256.hash(bytes).hex)
        let removed = try cluster.json(0, ["rm", "\(id.uppercased())\n"])
        #expect(removed["id"] as? String == id)
    }

    @Test func namesThatAreNotUTF8AreRefusedAndControlCharactersArePrintedEscaped() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        let peer = cluster.peers[0]

        for query in ["name=%FF%FE.txt", "name=caf%C3", "name=%C0%AF", "name=%ED%A0%80", "name=bad%zz"] {
            let reply = try RawHTTP.request(peer, "POST", "/api/v0/files?\(query)&k=2&n=4", body: Array("hello".utf8))
            #expect(reply.status == 400, "\(query)")
            #expect(reply.text.contains("UTF-8") || reply.text.contains("percent-escape"), "\(query): \(reply.text)")
        }
        #expect(try cluster.json(0, ["ls"])["files"] as? [Any] == nil || (try cluster.json(0, ["ls"])["files"] as? [Any])?.isEmpty == true)

        let input = cluster.directory + "/input"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: input))
        let tricky = "\u{202E}gpj.exe"
        let escape = "evil\u{1B}[31mred"
        let valid = "café 日本.txt"
        let putText = try cluster.cli(0, ["put", input, "--name", tricky, "--k", "2", "--n", "4"])
        #expect(putText.contains("name: \\u{202E}gpj.exe"), "\(putText)")
        #expect(!putText.contains("\u{202E}"))
        try cluster.cli(0, ["put", input, "--name", escape, "--k", "2", "--n", "4"])
        try cluster.cli(0, ["put", input, "--name", valid, "--k", "2", "--n", "4"])

        let listing = try cluster.cli(0, ["ls"])
        #expect(listing.contains("\\u{202E}gpj.exe"))
        #expect(listing.contains("evil\\u{1B}[31mred"))
        #expect(listing.contains(valid))
        #expect(!listing.unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{1B}" })
        // The names themselves are stored as given: JSON for scripts carries them exactly.
        let names = (try cluster.json(0, ["ls"])["files"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(Set(names ?? []) == [tricky, escape, valid])
    }
}
