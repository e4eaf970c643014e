import CairnCrypto
import CairnWire

/// The key check value (issue 6, item 4): whether a file key opens a file, known before anything is fetched.
///
/// HMAC-SHA256 under the file key of a domain tag and the file nonce. It reveals nothing about the key (finding
/// a key that matches is as hard as guessing a random 256-bit key), and it commits the manifest to one key, so
/// that a wrong key from a capability or a grant is refused with a 403 and a sentence about the key, for files of
/// every size, instead of a 200 followed by a cut stream.
extension Manifest {
    public static func keyCheck(for key: FileKey, fileNonce: Key256) -> Key256 {
        var message = SigningBytes(domain: "cairn/key-check/v1")
        message.append(fileNonce.bytes)
        // HMAC-SHA256 always yields 32 bytes.
        return Key256(bytes: HMAC.sha256(key: key.bytes, message: message.bytes))!
    }

    /// True when `key` is this file's key, false when it is not; nil for a version 1 manifest, which carries no
    /// check (the first segment's authentication then decides).
    public func isKey(_ key: FileKey) -> Bool? {
        guard let keyCheck else { return nil }
        return Manifest.keyCheck(for: key, fileNonce: fileNonce) == keyCheck
    }
}
