import CairnAPI
import Foundation

/// Prints `value` as JSON on one line (sorted keys) for `--json`.
func printJSON<T: Encodable>(_ value: T) throws {
    let data = try JSONEncoder.cairn.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// A plain text table with left-aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}
