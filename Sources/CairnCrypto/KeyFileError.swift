/// Why an identity file could not be read or written; every case names the file and says what to do.
public enum KeyFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(path: String)
    case alreadyExists(path: String)
    /// Group or others may read or write it: a secret key must be private to its owner.
    case permissionsTooOpen(path: String, mode: UInt32)
    case notRegularFile(path: String)
    case wrongSize(path: String, size: Int)
    case malformed(path: String, reason: String)
    case readFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "no identity file at \(path); create one with `cairn init`"
        case .alreadyExists(let path):
            "an identity file already exists at \(path); move it away first if you really mean to replace it"
        case .permissionsTooOpen(let path, let mode):
            "identity file \(path) has mode \(octal(mode)), so other users may read the secret key; "
                + "run `chmod 600 \(path)`"
        case .notRegularFile(let path):
            "\(path) is not a regular file, so it cannot be an identity file"
        case .wrongSize(let path, let size):
            "\(path) is \(size) bytes, which is not the size of a Cairn identity file; is it the right file?"
        case .malformed(let path, let reason):
            "\(path) is not a valid Cairn identity file: \(reason)"
        case .readFailed(let path, let reason):
            "could not read identity file \(path): \(reason)"
        case .writeFailed(let path, let reason):
            "could not write identity file \(path): \(reason)"
        }
    }
}

private func octal(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
