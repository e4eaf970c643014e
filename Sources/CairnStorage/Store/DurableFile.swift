import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the shard store needs, with the durability steps spelled out: data reaches the
/// disk (`fsync`) before the rename that publishes it, and the rename reaches the disk (`fsync` of the directory)
/// before the write is acknowledged.
enum DurableFile {
    /// Creates `path` (which must not exist), writes `bytes`, and fsyncs it.
    static func create(_ path: String, bytes: UnsafeRawBufferPointer, sync: Bool = true) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw .io(operation: "write", path: path, errno: code)
            }
            offset += written
        }
        guard !sync || fsync(fd) == 0 else {
            let code = errno
            close(fd)
            throw .io(operation: "fsync", path: path, errno: code)
        }
        guard close(fd) == 0 else { throw .io(operation: "close", path: path, errno: errno) }
    }

    /// The whole file, or nil when it does not exist. Reads to end of file rather than trusting the size that
    /// `fstat` reports (which is 0 for /proc files).
    static func readAll(_ path: String) throws(StorageError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var length = 0
        while true {
            if length == bytes.count { bytes += [UInt8](repeating: 0, count: max(bytes.count, 4096)) }
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + length, buffer.count - length)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if got == 0 { break }
            length += got
        }
        bytes.removeSubrange(length...)
        return bytes
    }

    /// The whole file in a buffer of its own, read straight into it (no zero-filled array and no copy: a 1 MiB
    /// shard served is read once); nil when it does not exist. Reads to end of file, like `readAll(_:)`.
    static func readBuffer(_ path: String) throws(StorageError) -> ByteBuffer? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(max(Int(info.st_size), 0) + 1)
        while true {
            if buffer.writableBytes == 0 { buffer.reserveCapacity(minimumWritableBytes: 4096) }
            var failure: Int32 = 0
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { free -> Int in
                let count = read(fd, free.baseAddress!, free.count)
                if count < 0 { failure = errno }
                return max(count, 0)
            }
            if failure == EINTR { continue }
            guard failure == 0 else { throw .io(operation: "read", path: path, errno: failure) }
            if got == 0 { break }
        }
        return buffer
    }

    static func move(_ from: String, to: String) throws(StorageError) {
        guard rename(from, to) == 0 else { throw .io(operation: "rename", path: "\(from) → \(to)", errno: errno) }
    }

    /// Removes a file; false when there was none.
    @discardableResult
    static func remove(_ path: String) throws(StorageError) -> Bool {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw .io(operation: "remove", path: path, errno: errno)
        }
        return true
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Makes the contents of the file at `path` durable (fsync), without flushing anything else.
    static func syncFile(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    /// Makes the directory entries in `path` (creations, renames, removals) durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open directory", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync directory", path: path, errno: errno) }
    }

    /// Creates `path` if needed, and (with `sync`) makes the new entry durable in its parent. True when it was
    /// created now.
    @discardableResult
    static func makeDirectory(_ path: String, sync: Bool = true) throws(StorageError) -> Bool {
        if mkdir(path, 0o700) == 0 {
            if sync { try syncDirectory(parent(of: path)) }
            return true
        } else if errno != EEXIST {
            throw .io(operation: "create directory", path: path, errno: errno)
        }
        return false
    }

    /// Names in a directory, without "." and "..".
    static func list(_ path: String) throws(StorageError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw .io(operation: "list", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Flushes every file, directory entry and journal change of the filesystem holding `path` (syncfs(2)).
    /// Bytes an unprivileged writer can still put on the filesystem holding `path` (statvfs `f_bavail`), or nil
    /// when the filesystem cannot say.
    static func availableBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// True for the errors a full disk or quota produces.
    static func isOutOfSpace(_ code: Int32) -> Bool { code == ENOSPC || code == EDQUOT }

    static func syncFilesystem(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open directory", path: path, errno: errno) }
        defer { close(fd) }
        guard syncfs(fd) == 0 else { throw .io(operation: "syncfs", path: path, errno: errno) }
    }
}

/// glibc's syncfs(2), which Swift's Glibc module does not export (it sits behind _GNU_SOURCE).
@_silgen_name("syncfs")
private func syncfs(_ fd: Int32) -> Int32
