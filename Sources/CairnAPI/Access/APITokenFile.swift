#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The API token on disk: `<data>/api-token`, one line, mode 0600, written by `cairn init` — or by `cairn run`
/// when a data directory made by an older `init` has none. The CLI reads it from there (`--data`).
///
/// Written like the identity key (`KeyFile`): a temporary file made mode 0600 from its creation, fsynced, then
/// linked into place, which fails if a token is already there; so a token, once a client has read it, is
/// never silently replaced, and no moment exists when the file is readable by others.
public enum APITokenFile {
    public static let name = "api-token"
    /// Far more than one token and a newline.
    static let maxFileSize = 1024

    public static func path(dataDirectory: String) -> String { dataDirectory + "/" + name }

    /// The token stored in `dataDirectory`, or nil when there is no token file.
    public static func load(dataDirectory: String) throws(APITokenError) -> APIToken? {
        let path = path(dataDirectory: dataDirectory)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, reason: lastError())
        }
        defer { _ = close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(path: path, reason: lastError()) }
        guard status.st_mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: status.st_mode & 0o777) }
        var bytes = [UInt8](repeating: 0, count: maxFileSize + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw .unreadable(path: path, reason: lastError()) }
            if n == 0 { break }
            count += n
        }
        guard count <= maxFileSize, let token = APIToken(String(decoding: bytes[..<count], as: UTF8.self)) else {
            throw .malformed(path: path)
        }
        return token
    }

    /// The token in `dataDirectory`, made and written first when there is none; `created` says which.
    public static func loadOrCreate(dataDirectory: String) throws(APITokenError) -> (token: APIToken, created: Bool) {
        if let token = try load(dataDirectory: dataDirectory) { return (token, false) }
        let token = APIToken.generate()
        do throws(APITokenError) {
            try save(token, dataDirectory: dataDirectory)
        } catch {
            guard case .alreadyExists = error else { throw error }
            // Another process (a second `cairn run` on the same directory) wrote one first: use that one.
            if let token = try load(dataDirectory: dataDirectory) { return (token, false) }
            throw .malformed(path: path(dataDirectory: dataDirectory))
        }
        return (token, true)
    }

    /// Writes `token`, refusing to replace a token file that exists.
    public static func save(_ token: APIToken, dataDirectory: String) throws(APITokenError) {
        let path = path(dataDirectory: dataDirectory)
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: lastError()) }
        var closed = false
        defer {
            if !closed { _ = close(fd) }
            _ = unlink(temporary)
        }
        // The umask can only remove bits; be exact about what lands on disk all the same.
        guard fchmod(fd, 0o600) == 0 else { throw .writeFailed(path: path, reason: lastError()) }
        let contents = Array((token.value + "\n").utf8)
        var offset = 0
        while offset < contents.count {
            let n = contents.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .writeFailed(path: path, reason: lastError()) }
            offset += n
        }
        guard fsync(fd) == 0 else { throw .writeFailed(path: path, reason: lastError()) }
        closed = true
        guard close(fd) == 0 else { throw .writeFailed(path: path, reason: lastError()) }
        // link(2) is atomic and fails when the target exists, unlike rename(2).
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { throw .alreadyExists(path: path) }
            throw .writeFailed(path: path, reason: lastError())
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// Why the API token could not be read or written, with the file and what to do.
public enum APITokenError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String)
    case tooOpen(path: String, mode: mode_t)
    case writeFailed(path: String, reason: String)
    case alreadyExists(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the API token \(path): \(reason)"
        case .malformed(let path):
            "\(path) holds no API token (expected one line of 16 to \(APIToken.maxLength) visible ASCII "
                + "characters); remove it and run `cairn run` to make a new one"
        case .tooOpen(let path, let mode):
            "the API token \(path) may be read by others (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`"
        case .writeFailed(let path, let reason):
            "cannot write the API token \(path): \(reason)"
        case .alreadyExists(let path):
            "\(path) exists already; it is not replaced"
        }
    }
}
