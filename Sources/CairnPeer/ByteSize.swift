import Foundation

/// Sizes people type: `10GiB`, `512MiB`, `1.5GB`, `4096` (bytes). Binary units (KiB, MiB, GiB, TiB) are powers
/// of 1024; decimal ones (KB, MB, GB, TB) of 1000.
public enum ByteSize {
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let value = Double(digits), value >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multipliers: [String: Double] = [
            "": 1, "b": 1,
            "k": 0x1p10, "kib": 0x1p10, "m": 0x1p20, "mib": 0x1p20, "g": 0x1p30, "gib": 0x1p30, "t": 0x1p40,
            "tib": 0x1p40,
            "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
        ]
        guard let multiplier = multipliers[unit] else { return nil }
        let bytes = value * multiplier
        guard bytes < Double(UInt64.max) else { return nil }
        return UInt64(bytes)
    }
}
