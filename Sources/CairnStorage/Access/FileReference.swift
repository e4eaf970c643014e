import CairnCrypto

/// What names a file wherever a person or a program gives one: its ID (64 hex) or a read capability
/// (`cairn:<id>:<key>`). Every entry point — the CLI, the API's paths, anything else — parses with this one
/// parser, so that what one accepts the others accept too: surrounding whitespace is ignored, and neither the
/// scheme's nor the hex digits' case matters.
public enum FileReference: Hashable, Sendable, CustomStringConvertible {
    case fileID(Key256)
    case capability(ReadCapability)

    /// Parses `text`; the error says what was expected and which part is wrong.
    public init(parsing text: String) throws(StorageError) {
        let trimmed = text.trimmingWhitespace
        // A file ID has no ':'; anything with one is read as a capability so that its error names the wrong part.
        guard trimmed.contains(":") else {
            guard let id = Key256(hex: trimmed) else {
                throw .invalidFileReference(String(trimmed.prefix(80)))
            }
            self = .fileID(id)
            return
        }
        self = .capability(try ReadCapability(parsing: trimmed))
    }

    /// The file this reference names.
    public var fileID: Key256 {
        switch self {
        case .fileID(let id): id
        case .capability(let capability): capability.fileID
        }
    }

    /// The canonical text: lower-case hex, scheme `cairn:`, key in base64url.
    public var description: String {
        switch self {
        case .fileID(let id): id.hex
        case .capability(let capability): capability.description
        }
    }
}
