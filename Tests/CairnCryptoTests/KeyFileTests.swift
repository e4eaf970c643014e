import CairnCrypto
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fresh directory under /tmp, removed (with its files) when the test is done.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/cairn-keyfile-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func write(_ text: String, to name: String, mode: mode_t = 0o600) {
        let fd = open(file(name), O_WRONLY | O_CREAT | O_TRUNC, mode)
        precondition(fd >= 0)
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, mode)
        close(fd)
    }

    func names() -> [String] {
        var names: [String] = []
        guard let directory = opendir(path) else { return [] }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        return names.sorted()
    }
}

func fileMode(_ path: String) -> mode_t? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return status.st_mode & 0o7777
}

struct KeyFileTests {
    @Test func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity")
        let identity = Identity.generate()
        try KeyFile.write(identity, to: path)
        let read = try KeyFile.read(from: path)
        #expect(read.publicKey == identity.publicKey)
        #expect(read.seed == identity.seed)
        // No temporary file is left behind.
        #expect(directory.names() == ["identity"])
    }

    @Test func fileIsPrivateToItsOwner() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity")
        try KeyFile.write(Identity.generate(), to: path)
        #expect(fileMode(path) == 0o600)
    }

    @Test func formatIsTheDocumentedText() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity")
        let identity = try #require(Identity(seed: [UInt8](repeating: 0xab, count: 32)))
        try KeyFile.write(identity, to: path)
        let fd = open(path, O_RDONLY)
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        close(fd)
        let text = String(decoding: buffer.prefix(n), as: UTF8.self)
        #expect(text == "cairn-identity v1\nseed \(String(repeating: "ab", count: 32))\npeer \(identity.peerID.hex)\n")
    }

    @Test func existingFileIsKeptUnlessReplacing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity")
        let first = Identity.generate()
        let second = Identity.generate()
        try KeyFile.write(first, to: path)
        #expect(throws: KeyFileError.alreadyExists(path: path)) { try KeyFile.write(second, to: path) }
        #expect(try KeyFile.read(from: path).peerID == first.peerID)
        try KeyFile.write(second, to: path, replacingExisting: true)
        #expect(try KeyFile.read(from: path).peerID == second.peerID)
        #expect(directory.names() == ["identity"])
    }

    @Test func missingFile() {
        let directory = TemporaryDirectory()
        let path = directory.file("nope")
        #expect(throws: KeyFileError.missing(path: path)) { try KeyFile.read(from: path) }
        #expect(KeyFileError.missing(path: path).description.contains(path))
    }

    @Test func permissionsTooOpenAreRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity")
        try KeyFile.write(Identity.generate(), to: path)
        chmod(path, 0o644)
        let error = #expect(throws: KeyFileError.self) { try KeyFile.read(from: path) }
        guard case .permissionsTooOpen(let where_, let mode) = error else {
            Issue.record("expected permissionsTooOpen, got \(String(describing: error))")
            return
        }
        #expect(where_ == path)
        #expect(mode & 0o777 == 0o644)
        #expect(error?.description.contains("chmod 600 \(path)") == true)
    }

    static let zeros = String(repeating: "00", count: 32)

    @Test(arguments: [
        ("", "empty"),
        ("hello\n", "no header"),
        (
            "cairn-identity v2\nseed \(Self.zeros)\npeer \(Self.zeros)\n",
            "future version"
        ),
        ("cairn-identity v1\nseed 0011\npeer \(String(repeating: "00", count: 32))\n", "short seed"),
        (
            "cairn-identity v1\nseed \(String(repeating: "zz", count: 32))\npeer \(Self.zeros)\n",
            "not hex"
        ),
        ("cairn-identity v1\nseed \(String(repeating: "00", count: 32))\n", "no peer line"),
        // The right shape, but the peer line does not match the seed: a damaged file.
        (
            "cairn-identity v1\nseed \(Self.zeros)\npeer \(Self.zeros)\n",
            "peer mismatch"
        ),
        (String(repeating: "x", count: 5000), "too big"),
    ])
    func corruptFilesAreRefused(contents: String, label: String) {
        let directory = TemporaryDirectory()
        directory.write(contents, to: "identity")
        let path = directory.file("identity")
        let error = #expect(throws: KeyFileError.self, "\(label)") { try KeyFile.read(from: path) }
        #expect(error?.description.contains(path) == true)
    }

    @Test func flippedSeedDigitIsCaughtByThePeerLine() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity")
        let identity = try #require(Identity(seed: [UInt8](repeating: 0x11, count: 32)))
        directory.write(
            "cairn-identity v1\nseed 12\(String(repeating: "11", count: 31))\npeer \(identity.peerID.hex)\n",
            to: "identity")
        let error = #expect(throws: KeyFileError.self) { try KeyFile.read(from: path) }
        guard case .malformed = error else {
            Issue.record("expected malformed, got \(String(describing: error))")
            return
        }
    }

    @Test func directoryIsNotAKeyFile() {
        let directory = TemporaryDirectory()
        #expect(throws: KeyFileError.notRegularFile(path: directory.path)) { try KeyFile.read(from: directory.path) }
    }
}
