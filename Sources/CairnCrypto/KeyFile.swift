#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An identity's seed on disk, written atomically and readable only by its owner.
///
/// The format is three lines of text, so that a person can tell what the file is and which peer it belongs to:
///
/// ```
/// cairn-identity v1
/// seed <64 lowercase hex digits: the Ed25519 seed>
/// peer <64 lowercase hex digits: the PeerID, SHA-256 of the public key>
/// ```
///
/// The `peer` line is redundant on purpose: reading checks it against the seed, so a damaged file is refused
/// instead of silently becoming another identity. Writing goes to a temporary file in the same directory, which
/// is fsynced, made mode 0600, then renamed (or linked, when not replacing) over the target, and the directory is
/// fsynced; a crash leaves either the old file or the new one, never half of one. Reading refuses a file that
/// group or others may access.
public enum KeyFile {
    static let header = "cairn-identity v1"
    /// Generous bound for the three lines (about 170 bytes) plus stray whitespace.
    static let maxFileSize = 1024

    /// Writes `identity`'s seed to `path`. Unless `replacingExisting`, refuses when `path` already exists.
    public static func write(
        _ identity: Identity, to path: String, replacingExisting: Bool = false
    ) throws(KeyFileError) {
        let contents = Array("\(header)\nseed \(hex(identity.seed))\npeer \(identity.peerID.hex)\n".utf8)
        let temporary = "\(path).tmp-\(hex(Random.bytes(6)))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyFileError.writeFailed(path: path, reason: lastError()) }
        var closed = false
        defer {
            if !closed { _ = close(fd) }
            _ = unlink(temporary)
        }
        // The umask can only remove bits, but be exact about what lands on disk.
        guard fchmod(fd, 0o600) == 0 else { throw KeyFileError.writeFailed(path: path, reason: lastError()) }
        var offset = 0
        while offset < contents.count {
            let n = contents.withUnsafeBytes { bytes in
                systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw KeyFileError.writeFailed(path: path, reason: lastError()) }
            offset += n
        }
        guard fsync(fd) == 0 else { throw KeyFileError.writeFailed(path: path, reason: lastError()) }
        closed = true
        guard close(fd) == 0 else { throw KeyFileError.writeFailed(path: path, reason: lastError()) }

        if replacingExisting {
            guard rename(temporary, path) == 0 else {
                throw KeyFileError.writeFailed(path: path, reason: lastError())
            }
        } else {
            // link(2) is atomic and fails when the target exists, unlike rename(2).
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw KeyFileError.alreadyExists(path: path) }
                throw KeyFileError.writeFailed(path: path, reason: lastError())
            }
        }
        syncDirectory(containing: path)
    }

    /// Reads the identity stored at `path`.
    public static func read(from path: String) throws(KeyFileError) -> Identity {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw KeyFileError.missing(path: path) }
            throw KeyFileError.readFailed(path: path, reason: lastError())
        }
        defer { _ = close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw KeyFileError.readFailed(path: path, reason: lastError()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw KeyFileError.notRegularFile(path: path) }
        guard status.st_mode & 0o077 == 0 else {
            throw KeyFileError.permissionsTooOpen(path: path, mode: UInt32(status.st_mode))
        }
        let size = Int(status.st_size)
        guard size > 0, size <= maxFileSize else { throw KeyFileError.wrongSize(path: path, size: size) }

        var contents = [UInt8](repeating: 0, count: maxFileSize + 1)
        var length = 0
        while length < contents.count {
            let n = contents.withUnsafeMutableBytes { bytes in
                systemRead(fd, bytes.baseAddress! + length, bytes.count - length)
            }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw KeyFileError.readFailed(path: path, reason: lastError()) }
            if n == 0 { break }
            length += n
        }
        guard length <= maxFileSize else { throw KeyFileError.wrongSize(path: path, size: length) }
        return try parse(Array(contents[0..<length]), path: path)
    }

    static func parse(_ contents: [UInt8], path: String) throws(KeyFileError) -> Identity {
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw KeyFileError.malformed(path: path, reason: "it is not text")
        }
        // Each line is words separated by spaces; blank lines, trailing spaces and CRLF endings are tolerated.
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.split(separator: " ").map(String.init) }
            .filter { !$0.isEmpty }
        guard lines.first == header.split(separator: " ").map(String.init) else {
            throw KeyFileError.malformed(path: path, reason: "the first line must be `\(header)`")
        }
        guard lines.count == 3, lines[1].count == 2, lines[1][0] == "seed", lines[2].count == 2, lines[2][0] == "peer"
        else {
            throw KeyFileError.malformed(path: path, reason: "expected one `seed` line and one `peer` line")
        }
        guard let seed = Key256(hex: lines[1][1]) else {
            throw KeyFileError.malformed(path: path, reason: "the seed must be 64 hexadecimal digits")
        }
        guard let peer = Key256(hex: lines[2][1]) else {
            throw KeyFileError.malformed(path: path, reason: "the peer ID must be 64 hexadecimal digits")
        }
        guard let identity = Identity(seed: seed.bytes) else {
            throw KeyFileError.malformed(path: path, reason: "the seed does not make an Ed25519 key")
        }
        guard identity.peerID == peer else {
            throw KeyFileError.malformed(
                path: path,
                reason: "the seed belongs to peer \(identity.peerID.shortHex), not \(peer.shortHex); "
                    + "the file is damaged")
        }
        return identity
    }

    private static func syncDirectory(containing path: String) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        // Best effort: some file systems refuse fsync on a directory; the rename itself has happened.
        _ = fsync(fd)
        _ = close(fd)
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

// Inside `KeyFile`, `write` and `read` name its own methods; these reach the system calls.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
        Musl.write(fd, buffer, count)
    #else
        Darwin.write(fd, buffer, count)
    #endif
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
    #elseif canImport(Musl)
        Musl.read(fd, buffer, count)
    #else
        Darwin.read(fd, buffer, count)
    #endif
}
