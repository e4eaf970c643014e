@testable import cairn
import Testing

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("report.txt", "report.txt"),
        ("café – 日本語 👨‍👩‍👧.pdf", "café – 日本語 👨‍👩‍👧.pdf"),
        ("\u{202E}txt.exe", "\\u{202E}txt.exe"),
        ("evil\u{1B}[2Jname", "evil\\u{1B}[2Jname"),
        ("line\nbreak\ttab\r", "line\\u{A}break\\u{9}tab\\u{D}"),
        ("del\u{7F}c1\u{9B}", "del\\u{7F}c1\\u{9B}"),
        ("\u{2066}isolate\u{2069}\u{200F}", "\\u{2066}isolate\\u{2069}\\u{200F}"),
        ("sep\u{2028}para\u{2029}", "sep\\u{2028}para\\u{2029}"),
        ("back\\slash", "back\\\\slash"),
        ("\\u{202E} typed out", "\\\\u{202E} typed out"),
    ])
    func controlAndBidiCharactersArePrintedAsEscapes(name: String, printed: String) {
        #expect(TerminalText.escaped(name) == printed)
    }
}
