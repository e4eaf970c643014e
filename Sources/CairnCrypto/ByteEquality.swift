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
        guard count == other.count else { return false }
        return withUnsafeBytes { x in
            other.withUnsafeBytes { y in
                // Copies of one array share its storage: the same bytes, with nothing to compare.
                x.count == 0 || x.baseAddress == y.baseAddress || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }
    }
}
