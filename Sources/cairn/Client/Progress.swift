import Foundation

/// A one-line progress display on standard error — bytes, MB/s, ETA — shown only when a person watches.
final class Progress {
    var total: UInt64?
    private var done: UInt64 = 0
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private let label: String

    /// Nil unless standard output is a terminal.
    static func ifTerminal(_ label: String, total: UInt64?) -> Progress? {
        isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1 ? Progress(label: label, total: total) : nil
    }

    init(label: String, total: UInt64?) {
        self.label = label
        self.total = total
    }

    func update(_ bytes: UInt64) {
        done = bytes
        draw(force: false)
    }

    func add(_ bytes: UInt64) { update(done + bytes) }

    func finish() {
        draw(force: true)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDrawn) > 0.2 else { return }
        lastDrawn = now
        let seconds = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / seconds
        var line = "\r\(label) \(Self.size(done))"
        if let total, total > 0 {
            let eta = rate > 0 ? Double(total - min(done, total)) / rate : 0
            line += " / \(Self.size(total)) (\(Int(Double(done) * 100 / Double(total)))%)  ETA \(Int(eta.rounded()))s"
        }
        line += "  \(String(format: "%.1f", rate / 1_000_000)) MB/s   "
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
