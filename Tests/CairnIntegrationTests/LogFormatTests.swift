import Foundation
import Testing

/// Issue 10, item 4: `cairn run --log-format json` writes each log record as one JSON object per line.
struct LogFormatTests {
    @Test func jsonLogsAreOneObjectPerLine() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 1, extraArguments: ["--log-format", "json"])
        let log = try String(contentsOfFile: cluster.peers[0].data + "/log", encoding: .utf8)
        // The log file also holds the text that `cairn run` prints on standard output at start.
        let records = log.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(records.count >= 2, "\(log)")
        for record in records {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: String], "\(record)")
            #expect(object["level"] != nil && object["message"] != nil && object["time"] != nil, "\(record)")
            #expect(object["label"] == "cairn")
        }
        #expect(records.contains { $0.contains("\"message\":\"peer listening\"") && $0.contains("\"cairn.address\"") })
    }
}
