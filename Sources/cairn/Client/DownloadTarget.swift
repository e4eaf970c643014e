import CairnCrypto
import Foundation

/// Where `cairn get -o PATH` writes, decided so that nothing but the file it names is ever replaced
/// (issue 6, item 2):
/// - PATH an existing directory: the file goes inside it, under the file's own name from the peer;
/// - PATH a regular file (or a symlink to one): replaced, atomically, only once the download is complete;
/// - PATH anything else (a device, a FIFO, a socket): refused.
/// The partial download sits next to the target, never inside it, under a name that holds the start of the
/// file's ID (`NAME.<16 hex>.cairn-part`): the same, stable, for every attempt at the same file, so that a later
/// `get -o` resumes it (`PartialDownload`), and never the partial of another file.
struct DownloadTarget {
    /// The file the bytes end up in.
    let path: String
    let fileID: Key256
    var partialPath: String { path + Self.partialSuffix(fileID) }

    static func partialSuffix(_ fileID: Key256) -> String { ".\(fileID.hex.prefix(16)).cairn-part" }

    /// Resolves `output` once the file's name is known (nil when the peer did not say).
    init(output: String, fileName: String?, fileID: Key256) throws {
        self.fileID = fileID
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

    /// The partial file an earlier attempt left for this file, looked for before the peer has named the file:
    /// next to `output`, or inside it when it is a directory.
    static func existingPartial(output: String, fileID: Key256) -> String? {
        if !isDirectory(output) {
            guard let target = try? DownloadTarget(output: output, fileName: nil, fileID: fileID) else { return nil }
            return isRegularFile(target.partialPath) ? target.partialPath : nil
        }
        let suffix = partialSuffix(fileID)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
        return entries.sorted().lazy.filter { $0.hasSuffix(suffix) }
            .map { (output as NSString).appendingPathComponent($0) }
            .first(where: isRegularFile)
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
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
