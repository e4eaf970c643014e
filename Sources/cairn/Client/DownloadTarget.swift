import Foundation

/// Where `cairn get -o PATH` writes, decided so that nothing but the file it names is ever replaced
/// (issue 6, item 2):
/// - PATH an existing directory: the file goes inside it, under the file's own name from the peer;
/// - PATH a regular file (or a symlink to one): replaced, atomically, only once the download is complete;
/// - PATH anything else (a device, a FIFO, a socket): refused.
/// The partial download sits next to the target (`NAME.cairn-part-PID`), never inside it, and is removed when
/// the download fails.
struct DownloadTarget {
    /// The file the bytes end up in.
    let path: String
    var partialPath: String { path + ".cairn-part-\(getpid())" }

    /// Resolves `output` once the file's name is known (nil when the peer did not say).
    init(output: String, fileName: String?) throws {
        var path = output
        if Self.isDirectory(path) {
            guard let name = fileName.flatMap(Self.safeName) else {
                throw CLIError("\(output) is a directory and the file's name is unknown or unsafe as a file name; "
                    + "give the full path: -o \(output)/NAME")
            }
            path = (output as NSString).appendingPathComponent(name)
        }
        // Through a symlink to the file it points at: the link stays, its target is replaced.
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            path = resolved.hasPrefix("/") ? resolved : ((path as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent(resolved)
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw CLIError("\(path) is a directory; it is never replaced by a download")
            default: throw CLIError("\(path) exists and is not a regular file; refusing to replace it")
            }
        }
        let parent = (path as NSString).deletingLastPathComponent
        guard parent.isEmpty || Self.isDirectory(parent) else {
            throw CLIError("cannot write \(path): the directory \(parent) does not exist")
        }
        self.path = path
    }

    /// Creates the partial file and returns a handle on it.
    func openPartial() throws -> FileHandle {
        let fd = open(partialPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot write \(partialPath): \(String(cString: strerror(errno)))") }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Moves the complete partial file onto the target with rename(2): a regular file is replaced atomically, and
    /// a directory that appeared meanwhile makes the rename fail instead of being removed.
    func commit(_ handle: FileHandle) throws {
        try handle.synchronize()
        try handle.close()
        guard rename(partialPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw CLIError("cannot move the download into \(path): \(reason)")
        }
    }

    /// Removes the partial file after a failure.
    func discard() {
        unlink(partialPath)
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The file's name if it is usable as one path component: no slash, no NUL, no control characters, not
    /// `.` or `..`, not empty.
    static func safeName(_ name: String) -> String? {
        guard !name.isEmpty, name != ".", name != "..", name.utf8.count <= 255,
              !name.unicodeScalars.contains(where: { $0 == "/" || $0.properties.generalCategory == .control })
        else { return nil }
        return name
    }
}

/// RFC 6266 `Content-Disposition: attachment; filename*=UTF-8''NAME` (RFC 8187 encoding), as the API sends it.
enum ContentDisposition {
    static func fileName(from header: String) -> String? {
        guard let range = header.range(of: "filename*=UTF-8''", options: .caseInsensitive) else { return nil }
        let encoded = header[range.upperBound...].prefix { $0 != ";" && $0 != " " }
        return String(encoded).removingPercentEncoding
    }
}
