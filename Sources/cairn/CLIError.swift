/// An error the CLI prints as one line and exits non-zero on.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
