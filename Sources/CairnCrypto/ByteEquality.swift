#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Array where Element == UInt8 {
    /// Whether `other` holds the same bytes, compared with `memcmp`: `==` goes element by element, which is
    /// slow on the long arrays the signature memo and the simulator compare for every peer (6 KB commits). Not
    /// constant-time: never for secrets.
    public func hasSameBytes(as other: [UInt8]) -> Bool {
        withUnsafeBytes { x in other.withUnsafeBytes { y in x.hasSameBytes(as: y) } }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `other` holds the same bytes, compared with `memcmp` (see `Array.hasSameBytes(as:)`). Not
    /// constant-time: never for secrets.
    public func hasSameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        // Copies of one array or buffer share its storage: the same bytes, with nothing to compare.
        return count == 0 || baseAddress == other.baseAddress || memcmp(baseAddress!, other.baseAddress!, count) == 0
    }
}
