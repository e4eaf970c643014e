import ArgumentParser
import Foundation

/// What `cairn sim dht` and `cairn sim files` share: the scenario file under the options, and the report as
/// JSON (sorted keys) or as aligned rows for a person.
enum SimulationReportOutput {
    /// Decodes the scenario file at `path`; `what` names the scenario and the fields it needs in the error.
    static func scenario<Config: Decodable>(_ path: String, as _: Config.Type, what: String) throws -> Config {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read the scenario file \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(Config.self, from: data)
        } catch {
            throw ValidationError(
                "the scenario file \(path) is not \(what); see simulations/README.md): \(error)")
        }
    }

    /// Prints `report` as one line of JSON with sorted keys, or as `text()` for a person.
    static func print<Report: Encodable>(_ report: Report, json: Bool, text: () -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            Swift.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            Swift.print(text())
        }
    }

    /// `rows` as "label  value" lines, the values aligned.
    static func table(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
    }

    /// `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
