import CairnCrypto
import Foundation
import NIOCore

/// The partial file of one `get -o`: bytes are appended and hashed as they arrive, and a later attempt at the
/// same file resumes from its end. While open it is locked (flock), so two `cairn get` of one file into one
/// place cannot interleave their bytes.
final class PartialDownload {
    let path: String
    /// Bytes the file held when opened: what a resumed download asks the peer to skip.
    let existingBytes: UInt64
    private let fd: Int32
    private var hasher = StreamingSHA256()
    private var closed = false
    /// Bytes now in the file.
    private(set) var size: UInt64

    /// Opens `path`, creating it when missing, and locks it.
    init(path: String) throws {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw CLIError("another `cairn get` is writing \(path); wait for it to finish, or stop it")
        }
        var info = stat()
        fstat(fd, &info)
        self.path = path
        self.fd = fd
        self.existingBytes = UInt64(max(0, info.st_size))
        self.size = existingBytes
    }

    deinit { close() }

    /// Starts writing after the first `offset` bytes (0: from scratch), which are hashed first so that the final
    /// SHA-256 covers the whole file.
    func start(keeping offset: UInt64) throws {
        guard offset <= existingBytes else {
            throw CLIError("\(path) holds \(existingBytes) bytes, fewer than the \(offset) the peer resumed from")
        }
        guard ftruncate(fd, off_t(offset)) == 0 else { throw failure("truncate") }
        hasher = StreamingSHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position: UInt64 = 0
        while position < offset {
            let wanted = Int(min(UInt64(buffer.count), offset - position))
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(position)) }
            guard count > 0 else { throw failure("read") }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            position += UInt64(count)
        }
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw failure("seek in") }
        size = offset
    }

    func append(_ chunk: ByteBuffer) throws {
        try chunk.withUnsafeReadableBytes { bytes in
            hasher.update(bytes)
            var done = 0
            while done < bytes.count {
                let count = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw failure("write") }
                done += count
            }
        }
        size += UInt64(chunk.readableBytes)
    }

    /// The SHA-256 of every byte in the file.
    func finishHash() -> Key256 { hasher.finish() }

    /// Makes the file durable and moves it onto `target` with rename(2): a regular file is replaced atomically,
    /// and a directory that appeared meanwhile makes the rename fail instead of being removed.
    func commit(to target: String) throws {
        guard fsync(fd) == 0 else { throw failure("flush") }
        guard rename(path, target) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw CLIError("cannot move the download into \(target): \(reason)")
        }
        close()
    }

    /// Removes the file: nothing in it is worth resuming.
    func discard() {
        unlink(path)
        close()
    }

    /// Closes the file and leaves it for a later attempt.
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    private func failure(_ operation: String) -> CLIError {
        CLIError("cannot \(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
