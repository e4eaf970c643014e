import CairnPeer
import CairnWire
import Foundation
import Testing

struct NetworkParametersTests {
    static let genesisPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bootstrap/genesis.json").path

    @Test func theEmbeddedParametersAreTheGenesisFile() throws {
        let file = try NetworkParameters.load(from: Self.genesisPath)
        #expect(file == NetworkParameters.embedded)
        #expect(file.networkID == NetworkParameters.embedded.networkID)
    }

    @Test func anyChangeMakesAnotherNetwork() {
        var other = NetworkParameters.embedded
        other.puzzleBits += 1
        #expect(other.networkID != NetworkParameters.embedded.networkID)
    }

    @Test func invalidGenesisFilesAreRefusedWithTheReason() throws {
        var broken = NetworkParameters.embedded
        broken.erasureK = 8
        #expect(throws: PeerSetupError.self) { try broken.validate(source: "test") }
        broken = .embedded
        broken.bootstrap = ["nowhere"]
        do {
            try broken.validate(source: "test")
            Issue.record("a bootstrap address without a port must be refused")
        } catch {
            #expect("\(error)".contains("nowhere"))
        }
    }
}

struct ByteSizeTests {
    @Test(arguments: [
        ("4096", UInt64(4096)), ("10GiB", 10 << 30), ("512MiB", 512 << 20), ("1.5GB", 1_500_000_000),
        ("2 kib", 2048), ("3MB", 3_000_000), ("0", 0),
    ])
    func parses(_ text: String, _ bytes: UInt64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "GiB", "-1", "10 parsecs", "1e9"])
    func refuses(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }
}

struct ContactStoreTests {
    @Test func contactsSurviveReopening() throws {
        let path = NSTemporaryDirectory() + "contacts-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let peer = PeerInfo(id: SHA256.hash([1]), address: PeerAddress(host: "127.0.0.1", port: 4100))
        try ContactStore(path: path).replaceAll(with: [.init(peer: peer, lastSeen: Date(timeIntervalSince1970: 1000))])
        let loaded = try ContactStore(path: path).load()
        #expect(loaded.map(\.peer) == [peer])
    }
}
