import CairnCrypto
import CairnStorage
import CairnWire
import Testing

@Suite struct FileIndexTests {
    @Test func addListAndRemoveOwnFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path + "/files.sqlite"
        let older = try putFile(pseudoRandomBytes(9_000, seed: 1), parameters: .init(segmentSize: 4096, k: 2, n: 3))
        var newer = try putFile(pseudoRandomBytes(100, seed: 2), parameters: .init(segmentSize: 4096, k: 2, n: 3))
        newer.manifest.created = .seconds(1_800_000_000)
        newer.manifest.fileName = "notes.txt"
        do {
            let index = try FileIndex(path: path)
            let entry = try index.add(manifest: older.manifest)
            #expect(entry.fileID == older.manifest.fileID)
            try index.add(manifest: newer.manifest)
        }
        let index = try FileIndex(path: path)
        let files = try index.files()
        #expect(files.map(\.name) == ["notes.txt", "report.pdf"])
        let first = try #require(try index.file(older.manifest.fileID))
        #expect(first.size == 9_000)
        #expect(first.segmentCount == 3)
        #expect(first.parameters == CodingParameters(segmentSize: 4096, k: 2, n: 3))
        #expect(try Manifest(decoding: try #require(first.manifest)) == older.manifest)
        #expect(try index.remove(older.manifest.fileID))
        #expect(try !index.remove(older.manifest.fileID))
        #expect(try index.files().count == 1)
    }
}
