import CairnCrypto

/// Everything needed to read one file, as a string a person can paste:
/// `cairn:<file ID, 64 hex>:<file key, base64url without padding>` (the key is also accepted as 64 hex).
///
/// Whoever has it can fetch the descriptor by ID and decrypt the file: treat it like a password.
public struct ReadCapability: Hashable, Sendable, CustomStringConvertible {
    public static let scheme = "cairn"

    public var fileID: Key256
    public var fileKey: FileKey

    public init(fileID: Key256, fileKey: FileKey) {
        self.fileID = fileID
        self.fileKey = fileKey
    }

    /// Parses the string form; the error says which part is wrong.
    public init(parsing text: String) throws(StorageError) {
        let trimmed = text.trimmingWhitespace
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .invalidCapability("expected three parts separated by ':', found \(parts.count)")
        }
        guard parts[0].lowercased() == ReadCapability.scheme else {
            throw .invalidCapability("it must start with \"\(ReadCapability.scheme):\"")
        }
        guard let fileID = Key256(hex: String(parts[1])) else {
            throw .invalidCapability("the file ID must be 64 hexadecimal characters, got \(parts[1].count) characters")
        }
        let keyText = String(parts[2])
        let keyBytes: [UInt8]? =
            keyText.utf8.count == 64 ? Key256(hex: keyText)?.bytes : Base64URL.decode(keyText)
        guard let keyBytes, let fileKey = FileKey(bytes: keyBytes) else {
            throw .invalidCapability("the file key must be 32 bytes in base64url (43 characters) or hex (64)")
        }
        self.init(fileID: fileID, fileKey: fileKey)
    }

    public var description: String {
        "\(ReadCapability.scheme):\(fileID.hex):\(Base64URL.encode(fileKey.bytes))"
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
