import CairnCrypto
import CairnChain
import CairnPeer
import Foundation
import Testing

@Suite struct ChainStoreTests {
    let directory = NSTemporaryDirectory() + "chain-store-\(UUID().uuidString)"
    var path: String { directory + "/chain.sqlite" }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func block(_ height: UInt64, size: Int = 100, accounts: [[UInt8]] = []) -> StoredBlock {
        StoredBlock(
            height: height, hash: SHA256.hash(Array("block \(height)".utf8)),
            body: [UInt8](repeating: UInt8(height % 256), count: size), commit: [1, 2, 3],
            transactions: [.init(hash: SHA256.hash(Array("tx \(height)".utf8)), accounts: accounts)])
    }

    @Test func blocksComeBackAfterReopening() throws {
        do {
            let store = try ChainStore(path: path)
            #expect(try store.tip() == nil)
            for height in 1...5 { try store.append(block(UInt64(height))) }
        }
        let reopened = try ChainStore(path: path)
        let tip = try #require(try reopened.tip())
        #expect(tip.height == 5 && tip.hash == block(5).hash)
        var expected = block(3)
        expected.transactions = []
        #expect(try reopened.block(at: 3) == expected)
        #expect(try reopened.block(hash: block(4).hash)?.height == 4)
        #expect(try reopened.block(at: 6) == nil)
    }

    @Test func onlyTheNextHeightIsAccepted() throws {
        let store = try ChainStore(path: path)
        #expect(throws: ChainStoreError.notNext(height: 2, tip: 0)) { try store.append(block(2)) }
        try store.append(block(1))
        #expect(throws: ChainStoreError.notNext(height: 1, tip: 1)) { try store.append(block(1)) }
        #expect(try store.tip()?.height == 1)
    }

    @Test func rangesStopAtTheirCountOrByteBudget() throws {
        let store = try ChainStore(path: path)
        for height in 1...10 { try store.append(block(UInt64(height), size: 1000)) }
        #expect(try store.blocks(from: 3, maxCount: 4, maxBytes: .max).map(\.height) == [3, 4, 5, 6])
        #expect(try store.blocks(from: 1, maxCount: 100, maxBytes: 2500).map(\.height) == [1, 2])
        #expect(try store.blocks(from: 9, maxCount: 100, maxBytes: 1).map(\.height) == [9], "the first always comes")
        #expect(try store.blocks(from: 11, maxCount: 10, maxBytes: .max).isEmpty)
    }

    @Test func transactionsAndHistoryAreIndexed() throws {
        let alice: [UInt8] = .init(repeating: 0xA1, count: 32)
        let bob: [UInt8] = .init(repeating: 0xB0, count: 32)
        let store = try ChainStore(path: path)
        try store.append(block(1, accounts: [alice, bob]))
        try store.append(block(2, accounts: [bob]))
        try store.append(block(3, accounts: [alice]))
        #expect(try store.transaction(hash: block(2).transactions[0].hash) == TransactionLocation(height: 2, position: 0))
        #expect(try store.history(of: alice, limit: 10).map(\.height) == [3, 1])
        #expect(try store.history(of: bob, limit: 1).map(\.height) == [2])
    }

    @Test func theLastSignedMessageSurvivesReopening() throws {
        do {
            let store = try ChainStore(path: path)
            #expect(try store.lastSigned() == nil)
            try store.saveSigned([1, 2, 3])
            try store.saveSigned([4, 5])
        }
        #expect(try ChainStore(path: path).lastSigned() == [4, 5])
    }
}
