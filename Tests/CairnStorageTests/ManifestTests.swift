import CairnCrypto
import CairnStorage
import CairnWire
import Testing

@Suite struct ManifestTests {
    static let parameters = CodingParameters(segmentSize: 4096, k: 2, n: 4)

    func makeManifest(size: Int = 10_000, owner: Identity = .generate()) throws -> Manifest {
        try putFile(pseudoRandomBytes(size, seed: 21), parameters: ManifestTests.parameters, owner: owner,
                    providers: (0..<3).map { _ in Random.key256() }).manifest
    }

    @Test func encodeDecodeRoundTripKeepsEveryFieldAndTheID() throws {
        let manifest = try makeManifest()
        let bytes = manifest.encoded()
        #expect(bytes.first == Manifest.formatVersion)
        let decoded = try Manifest(decoding: bytes)
        #expect(decoded == manifest)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.fileID == SHA256.hash(bytes))
        #expect(decoded.verifySignature())
        #expect(decoded.isPlaced)
        #expect(decoded.providerRoots.count == 3)
    }

    /// Issue 6, item 4: the key check tells a wrong key before anything is fetched, empty files included.
    @Test(arguments: [0, 1, 10_000])
    func theKeyCheckTellsTheRightKeyFromAWrongOne(size: Int) throws {
        let put = try putFile(pseudoRandomBytes(size, seed: 22), parameters: ManifestTests.parameters,
                              owner: .generate(), providers: [Random.key256()])
        let decoded = try Manifest(decoding: put.manifest.encoded())
        #expect(decoded.keyCheck != nil)
        #expect(decoded.isKey(put.fileKey) == true)
        #expect(decoded.isKey(FileKey.random()) == false)
    }

    @Test func aVersion1ManifestWithoutKeyCheckIsStillRead() throws {
        let owner = Identity.generate()
        var manifest = try makeManifest(owner: owner)
        manifest.keyCheck = nil
        try manifest.sign(with: owner)
        let bytes = manifest.encoded()
        #expect(bytes.first == 1)
        let decoded = try Manifest(decoding: bytes)
        #expect(decoded.verifySignature())
        #expect(decoded.keyCheck == nil)
        #expect(decoded.isKey(FileKey.random()) == nil, "no check: the first segment decides")
        // Dropping the check from a version 2 manifest breaks the owner's signature.
        var stripped = try makeManifest(owner: owner)
        let signature = stripped.signature
        stripped.keyCheck = nil
        stripped.signature = signature
        #expect(!(try Manifest(decoding: stripped.encoded())).verifySignature())
    }

    @Test func emptyFileHasNoSegments() throws {
        let manifest = try makeManifest(size: 0)
        #expect(manifest.segments.isEmpty)
        #expect(try Manifest(decoding: manifest.encoded()) == manifest)
        #expect(manifest.verifySignature())
    }

    @Test func everyTruncationIsRefusedWithAReason() throws {
        let bytes = try makeManifest(size: 5_000).encoded()
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self, "prefix of \(length) bytes") {
                try Manifest(decoding: Array(bytes.prefix(length)))
            }
        }
        #expect(throws: StorageError.self) { try Manifest(decoding: bytes + [0]) }
    }

    @Test func corruptedBytesAreRefusedOrFailTheSignature() throws {
        let manifest = try makeManifest(size: 5_000)
        let bytes = manifest.encoded()
        for position in 0..<bytes.count {
            var corrupted = bytes
            corrupted[position] ^= 0x5A
            if let decoded = try? Manifest(decoding: corrupted) {
                #expect(!decoded.verifySignature(), "byte \(position) altered yet the signature holds")
                #expect(decoded.fileID != manifest.fileID)
            }
        }
    }

    @Test func hugeCountsAreRefusedBeforeAllocating() throws {
        var bytes = try makeManifest(size: 0).encoded()
        // Segment count sits right after the key check: version(1) name(2+10) size(8) params(6) nonce(32)
        // created(8) owner(32) sealed key(2+80) key check(32).
        let countOffset = 1 + 2 + 10 + 8 + 6 + 32 + 8 + 32 + 2 + 80 + 32
        #expect(Array(bytes[countOffset..<(countOffset + 4)]) == [0, 0, 0, 0])
        bytes.replaceSubrange(countOffset..<(countOffset + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: StorageError.self) { try Manifest(decoding: bytes) }
    }

    @Test func forgedOrAlteredManifestsFailVerification() throws {
        let owner = Identity.generate()
        let manifest = try makeManifest(owner: owner)
        #expect(manifest.verifySignature())

        var otherOwner = manifest
        otherOwner.owner = Identity.generate().publicKey
        #expect(!otherOwner.verifySignature())

        var moved = manifest
        moved.segments[0].holders[0] = Random.key256()
        moved.updateProviderRoots()
        #expect(!moved.verifySignature())

        var renamed = manifest
        renamed.fileName = "other.pdf"
        #expect(!renamed.verifySignature())
        #expect(renamed.fileID != manifest.fileID)

        var resigned = renamed
        let mallory = Identity.generate()
        try resigned.sign(with: mallory)
        #expect(resigned.verifySignature())
        #expect(resigned.owner == mallory.publicKey)
        #expect(resigned.fileID != manifest.fileID)

        var badSignature = manifest
        badSignature.signature[0] ^= 1
        #expect(!badSignature.verifySignature())
    }

    @Test func inconsistentManifestsCannotBeSigned() throws {
        var manifest = try makeManifest()
        manifest.fileSize += 5_000
        #expect(throws: StorageError.self) { try manifest.sign(with: .generate()) }
        var longName = try makeManifest()
        longName.fileName = String(repeating: "x", count: 256)
        #expect(throws: StorageError.self) { try longName.sign(with: .generate()) }
        var staleRoots = try makeManifest()
        staleRoots.segments[0].holders[1] = staleRoots.segments[0].holders[0]
        #expect(throws: StorageError.malformedManifest("provider Merkle roots do not match the shard holders")) {
            try staleRoots.validate()
        }
    }

    @Test func providerRootsCoverEachProvidersShardsInOrder() throws {
        let manifest = try makeManifest(size: 20_000)
        var total = 0
        for entry in manifest.providerRoots {
            let ids = manifest.shardIDs(heldBy: entry.provider)
            total += ids.count
            #expect(entry.leafCount == ids.count)
            let tree = manifest.merkleTree(for: entry.provider)
            #expect(tree.root == entry.root)
            for (index, id) in ids.enumerated() {
                #expect(try #require(tree.proof(forLeafAt: index)).verify(leaf: id, root: entry.root))
            }
        }
        #expect(total == manifest.segments.count * 4)
        #expect(manifest.providerRoots.map(\.provider) == manifest.providerRoots.map(\.provider).sorted())
    }

    @Test func unplacedShardsHaveNoRoot() throws {
        var manifest = try makeManifest()
        for s in manifest.segments.indices {
            manifest.segments[s].holders = Array(repeating: .zero, count: 4)
        }
        try manifest.sign(with: .generate())
        #expect(manifest.providerRoots.isEmpty)
        #expect(!manifest.isPlaced)
        #expect(try Manifest(decoding: manifest.encoded()) == manifest)
    }
}
