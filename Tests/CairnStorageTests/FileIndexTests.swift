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
        let newer = try putFile(pseudoRandomBytes(100, seed: 2), parameters: .init(segmentSize: 4096, k: 2, n: 3))
        let owner = Identity.generate()
        let olderDescriptor = try older.descriptor(owner: owner)
        let newerDescriptor = try newer.descriptor(owner: owner, created: .seconds(1_800_000_000))
        do {
            let index = try FileIndex(path: path)
            let entry = try index.add(descriptor: olderDescriptor, name: "report.pdf")
            #expect(entry.fileID == olderDescriptor.fileID)
            try index.add(descriptor: newerDescriptor, name: "notes.txt")
        }
        let index = try FileIndex(path: path)
        let files = try index.files()
        #expect(files.map(\.name) == ["notes.txt", "report.pdf"])
        let first = try #require(try index.file(olderDescriptor.fileID))
        #expect(first.size == 9_000)
        #expect(first.segmentCount == 3)
        #expect(first.parameters == CodingParameters(segmentSize: 4096, k: 2, n: 3))
        #expect(try Descriptor(decoding: try #require(first.descriptor)) == olderDescriptor)
        #expect(try index.remove(olderDescriptor.fileID))
        #expect(try !index.remove(olderDescriptor.fileID))
        #expect(try index.files().count == 1)
    }
}
