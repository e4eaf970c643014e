import Foundation

/// What `cairn put` reads: a regular file, whose size is taken from the opened descriptor and announced as the
/// Content-Length, or anything else (standard input, a pipe, a FIFO, a character device), streamed with no
/// length. The size of a path is never trusted: `/dev/stdin` is a symlink whose own size says nothing of the
/// bytes behind it (issue 6, item 3).
struct UploadSource {
    let handle: FileHandle
    /// The exact number of bytes to send, for a regular file; nil for a stream.
    let size: UInt64?
    /// The name to record when none is given.
    let defaultName: String

    /// Opens `path`, or standard input for `-`. Throws a CLIError for a path that is missing, unreadable, or a
    /// directory.
    init(path: String) throws {
        let fd: Int32
        if path == "-" {
            fd = dup(STDIN_FILENO)
            defaultName = "stdin"
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            defaultName = (path as NSString).lastPathComponent
        }
        guard fd >= 0 else {
            throw CLIError("cannot read \(path == "-" ? "standard input" : path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CLIError("cannot read \(path): \(reason)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            close(fd)
            throw CLIError("cannot store \(path): it is a directory (store its files one by one, or an archive of it)")
        case S_IFREG:
            size = UInt64(info.st_size)
        default:
            size = nil
        }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Reads the next chunk of at most `limit` bytes; empty at the end.
    func read(upTo limit: Int) throws -> Data {
        try handle.read(upToCount: limit) ?? Data()
    }
}

/// The bytes read from a regular file differ from the size announced for it: it changed while being stored.
/// The upload is abandoned (the connection closed mid-body), so the peer stores nothing.
struct UploadSizeMismatch: Error, CustomStringConvertible {
    let announced: UInt64
    let read: UInt64
    let grew: Bool

    var description: String {
        grew
            ? "the file grew while it was being stored (more than the \(announced) bytes it had when opened); "
                + "nothing was stored"
            : "the file shrank while it was being stored (\(read) of the \(announced) bytes it had when opened); "
                + "nothing was stored"
    }
}
