import CairnCrypto

/// An account is an Ed25519 public key (DESIGN.md §6); its address is the key's 64 lowercase hex characters.
extension PublicKey {
    /// The account address: the 32 key bytes as 64 lowercase hexadecimal characters.
    public var address: String { Key256(bytes: bytes)!.hex }

    /// Parses an address: exactly 64 hexadecimal characters (either case). Throws `AddressError` saying what
    /// is wrong with the text.
    public init(address text: String) throws(AddressError) {
        let count = text.utf8.count
        guard count == 64 else { throw .wrongLength(text, count: count) }
        guard let key = Key256(hex: text) else { throw .notHex(text) }
        self.init(bytes: key.bytes)!
    }
}

/// Why a text is not an account address.
public enum AddressError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongLength(String, count: Int)
    case notHex(String)

    public var description: String {
        switch self {
        case .wrongLength(let text, let count):
            "the address \"\(text)\" is \(count) characters long; an address is 64 hexadecimal characters"
        case .notHex(let text):
            "the address \"\(text)\" contains a character that is not hexadecimal (0-9, a-f)"
        }
    }
}
