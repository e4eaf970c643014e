import Foundation

/// A peer process as the cluster started it: its PID and the kernel's record of when it started. A PID alone
/// is not enough to signal a process later: once the peer has exited the system may give the number to any
/// other process. The start time (field 22 of /proc/PID/stat, clock ticks after boot) tells them apart.
struct PeerProcess: Hashable {
    var pid: Int32
    var startTime: UInt64

    /// The process now running under `pid`, or nil when there is none (or no /proc to ask).
    static func running(_ pid: Int32) -> PeerProcess? {
        guard pid > 0, let start = startTime(of: pid) else { return nil }
        return PeerProcess(pid: pid, startTime: start)
    }

    /// True while `pid` still names this very process (a zombie not yet reaped counts: it holds its PID).
    var isRunning: Bool { Self.startTime(of: pid) == startTime }

    /// Signals the process if and only if it is still this one; false when it is gone or another's.
    @discardableResult
    func signal(_ signal: Int32) -> Bool {
        guard isRunning else { return false }
        return kill(pid, signal) == 0
    }

    /// A line of the PID file: `PID START-TIME`.
    var line: String { "\(pid) \(startTime)" }

    init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// Reads a PID file line; nil for anything else, the bare PIDs of older versions included, which cannot be
    /// told from a reused PID and so are never signalled.
    init?(line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count == 2, let pid = Int32(fields[0]), pid > 0, let start = UInt64(fields[1]) else { return nil }
        self.init(pid: pid, startTime: start)
    }

    /// Field 22 of /proc/PID/stat. The command name (field 2) is in parentheses and may hold spaces or
    /// parentheses itself, so the fields are counted from the last ')'.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // After ')' come field 3 (state) onwards: field 22 is the 20th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 20 else { return nil }
        return UInt64(fields[19])
    }
}
