import GlassboxAudit

extension LogStoreRegistry {
  /// Every store glassbox knows: SQLite (`sqlite:PATH`), PostgreSQL (`postgres://`,
  /// `postgresql://`), else a file path.
  public static let withDatabases = LogStoreRegistry(
    kinds: [SQLiteLogStore.kind, PostgresLogStore.kind, PostgresLogStore.shortKind], defaultKind: FileLogStore.kind)
}
