/// Text from elsewhere (a file's name, a path made from one), made safe to print on a terminal.
///
/// A name is whatever its uploader chose: an escape sequence in it would drive the reader's terminal, and a
/// bidirectional override (U+202E) would show `exe.txt` for `txt.exe`. Such characters are printed as
/// Swift-style escapes, `\u{202E}`, and a backslash as `\\` so that the printed form reads back unambiguously.
/// Everything else — accents, other scripts, emoji with their joiners — prints as it is.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Control characters (C0, DEL, C1), the bidirectional controls, the line and paragraph separators, and the
    /// backslash that starts an escape.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x5C: true
        case 0x00...0x1F, 0x7F...0x9F: true
        // LRM, RLM, ALM; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI (Unicode UAX #9).
        case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: true
        case 0x2028, 0x2029: true
        default: false
        }
    }
}
