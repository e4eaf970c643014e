import Foundation

/// A process's resident memory as the kernel counts it in /proc/PID/status: what a small machine runs out of,
/// and what the out-of-memory killer looks at.
struct ResidentMemory: Equatable, Codable {
    /// VmRSS: resident now, MiB.
    var currentMiB: Double
    /// VmHWM: the most that has been resident at any instant since the process started, MiB. Catches peaks
    /// that fall between two samples.
    var peakMiB: Double

    /// Reads /proc/PID/status; nil when the process is gone (or there is no /proc).
    static func of(pid: Int32) -> ResidentMemory? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return ResidentMemory(status: status)
    }

    /// Parses the text of /proc/PID/status; nil when it lacks either line (a kernel thread, a zombie).
    init?(status: String) {
        var current: Double?
        var peak: Double?
        for line in status.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { current = Self.kibibytes(line) }
            if line.hasPrefix("VmHWM:") { peak = Self.kibibytes(line) }
        }
        guard let current, let peak else { return nil }
        self.currentMiB = current / 1024
        self.peakMiB = peak / 1024
    }

    init(currentMiB: Double, peakMiB: Double) {
        self.currentMiB = currentMiB
        self.peakMiB = peakMiB
    }

    /// "VmRSS:	   41234 kB" → 41234.
    private static func kibibytes(_ line: Substring) -> Double? {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Double($0) }
    }
}
