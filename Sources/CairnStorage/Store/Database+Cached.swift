import GRDB

extension Database {
    /// Runs `sql` through this connection's statement cache (GRDB `cachedStatement`): parsed once per connection,
    /// not at every call. During small puts, SQLite's parser took about 9% of a provider's CPU.
    /// Throws `DatabaseError` as `execute(sql:arguments:)` does.
    public func execute(cached sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
