import GlassboxData
import GlassboxSystem

/// One cell of a table derived from an audit line, as both database stores read it back.
public enum TableValue: Sendable, Equatable, CustomStringConvertible {
  case null
  case integer(Int)
  case real(Double)
  case text(String)

  /// Reals compare by bit pattern, so that a changed last digit is a difference.
  public static func == (a: TableValue, b: TableValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case (.integer(let x), .integer(let y)): x == y
    case (.real(let x), .real(let y)): x.bitPattern == y.bitPattern
    case (.text(let x), .text(let y)): x == y
    default: false
    }
  }

  public var description: String {
    switch self {
    case .null: "NULL"
    case .integer(let n): String(n)
    case .real(let x): String(x)
    case .text(let s): "'" + s + "'"
    }
  }

  /// The value, or NULL when absent.
  public static func real(or x: Double?) -> TableValue { x.map(TableValue.real) ?? .null }
  public static func text(or s: String?) -> TableValue { s.map(TableValue.text) ?? .null }
  public static func integer(or n: Int?) -> TableValue { n.map(TableValue.integer) ?? .null }
}

/// The rows one audit line contributes to the query tables (`records`, `attributions`,
/// `reason_codes`); a checkpoint contributes none. Derived from the line's bytes alone,
/// so `verify` can derive them again and compare them with what the tables hold.
public struct AuditTableRows: Sendable, Equatable {
  /// At most one row, in `AuditTables.records` column order.
  public var records: [[TableValue]] = []
  /// One row per feature of `attribution.phi`, in model order.
  public var attributions: [[TableValue]] = []
  /// One row per reason, by rank.
  public var reasonCodes: [[TableValue]] = []

  public init() {}

  public var isEmpty: Bool { records.isEmpty && attributions.isEmpty && reasonCodes.isEmpty }

  /// The rows of `line`, stored at position `seq`.
  /// - Complexity: O(line length).
  public init(line: [UInt8], seq: Int) {
    guard let object = try? JSONParser.parse(line, path: "").object, object["type"]?.string == "explanation" else { return }
    let model = object["model"]?.object
    let data = object["data"]?.object
    let explainer = object["explainer"]?.object
    let prediction = object["prediction"]?.object
    let attribution = object["attribution"]?.object
    var parameters = JSONWriter(capacity: 64)
    parameters.value(.object(explainer?["parameters"]?.object ?? JSONObject()))
    records = [[
      .integer(seq), .text(or: object["record_id"]?.string), .text(or: object["time"]?.string), .text(or: object["writer"]?.string),
      .text(or: model?["path"]?.string), .text(or: model?["sha256"]?.string), .text(or: model?["format"]?.string),
      .text(or: data?["source"]?.string), .text(or: data?["sha256"]?.string),
      .integer(or: object["row"]?.number.flatMap { Int(exactly: $0) }), .text(or: object["id"]?.string),
      .integer(or: object["output"]?.number.flatMap { Int(exactly: $0) }),
      .text(or: prediction?["space"]?.string), .real(or: prediction?["value"]?.number),
      .text(or: explainer?["method"]?.string), .text(String(decoding: parameters.bytes, as: UTF8.self)),
      .real(or: attribution?["base"]?.number),
      .text(or: object["prev_hash"]?.string), .text("sha256:" + AuditSchema.sha256Hex(line)),
    ]]
    let inputs = object["input"]?.object
    let errors = attribution?["standard_errors"]?.numberArray
    for (j, member) in (attribution?["phi"]?.object?.members ?? []).enumerated() {
      let input = inputs?[member.key]
      let label: String? = input?.string ?? input?.object?["hmac"]?.string.map { "hmac:" + $0 }
      attributions.append([
        .integer(seq), .integer(j), .text(or: member.key), .real(or: input?.number), .text(or: label),
        .real(or: member.value.number), .real(or: errors.flatMap { j < $0.count ? $0[j] : nil }),
      ])
    }
    for reason in object["reasons"]?.array ?? [] {
      let r = reason.object
      reasonCodes.append([
        .integer(seq), .integer(or: r?["rank"]?.number.flatMap { Int(exactly: $0) }), .text(or: r?["feature"]?.string),
        .real(or: r?["phi"]?.number),
      ])
    }
  }
}

/// The database schema of the SQLite and PostgreSQL stores (docs/audit-databases.md).
///
/// `audit_lines` is the evidence: every line's exact bytes at its position (records and
/// checkpoints), hashed by the chain as the file store's lines are. `records`,
/// `attributions` and `reason_codes` are derived from those bytes in the same transaction,
/// for queries; `verify` derives them again and fails when they differ. `glassbox_schema`
/// lists the migrations applied; a store applies the missing ones, in order, under the
/// writers' lock, and refuses a database whose version is newer than it knows.
public enum AuditTables {
  /// The kind of a column's values.
  public enum Kind: Sendable { case integer, real, text, blob }

  /// A derived table: name and columns (name, kind), in the order rows list them.
  public struct Table: Sendable {
    public var name: String
    public var columns: [(name: String, kind: Kind)]
    /// The columns that order the table's rows in a comparison.
    public var order: String

    /// `SELECT <columns> FROM <name> ORDER BY <order>`.
    public var selectAll: String { select(where: nil) }

    /// `SELECT <columns> FROM <name> [WHERE <condition>] ORDER BY <order>`.
    public func select(where condition: String?) -> String {
      "SELECT " + columns.map(\.name).joined(separator: ", ") + " FROM " + name
        + (condition.map { " WHERE " + $0 } ?? "") + " ORDER BY " + order
    }

    /// `INSERT INTO <name> (<columns>) VALUES (<placeholders>), ...` for `rows` rows;
    /// `placeholder(k)` spells the k-th (one-based) parameter, counted across rows.
    /// `verb` replaces `INSERT` (SQLite: `INSERT OR FAIL`).
    public func insert(rows: Int = 1, verb: String = "INSERT", placeholder: (Int) -> String) -> String {
      let width = columns.count
      return verb + " INTO " + name + " (" + columns.map(\.name).joined(separator: ", ") + ") VALUES "
        + (0..<rows).map { r in "(" + (1...width).map { placeholder(r * width + $0) }.joined(separator: ", ") + ")" }
        .joined(separator: ", ")
    }
  }

  public static let records = Table(
    name: "records",
    columns: [
      ("seq", .integer), ("record_id", .text), ("time", .text), ("writer", .text), ("model_path", .text),
      ("model_sha256", .text), ("model_format", .text), ("data_source", .text), ("data_sha256", .text),
      ("row_index", .integer), ("id", .text), ("output", .integer), ("prediction_space", .text), ("prediction", .real),
      ("method", .text), ("parameters", .text), ("base_value", .real), ("prev_hash", .text), ("hash", .text),
    ], order: "seq")
  public static let attributions = Table(
    name: "attributions",
    columns: [
      ("seq", .integer), ("position", .integer), ("feature", .text), ("value", .real), ("label", .text),
      ("attribution", .real), ("std_error", .real),
    ], order: "seq, position")
  public static let reasonCodes = Table(
    name: "reason_codes", columns: [("seq", .integer), ("rank", .integer), ("feature", .text), ("phi", .real)],
    order: "seq, rank")
  /// The lines themselves: the evidence.
  public static let lines = Table(name: "audit_lines", columns: [("seq", .integer), ("line", .blob)], order: "seq")
  /// The derived tables, in the order of `AuditTableRows`' members.
  public static let derived = [records, attributions, reasonCodes]

  /// A database's flavour of SQL, for the types in the migrations.
  public enum Dialect: Sendable {
    case sqlite, postgres

    /// The statement in this dialect; nil for a statement of the other dialect only
    /// (marked `{sqlite}` at its start).
    func spell(_ statement: String) -> String? {
      switch self {
      case .sqlite:
        return statement.replacingOccurrences(of: Self.sqliteOnly, with: "").replacingOccurrences(of: "{int}", with: "INTEGER")
          .replacingOccurrences(of: "{real}", with: "REAL").replacingOccurrences(of: "{blob}", with: "BLOB")
      case .postgres:
        if statement.hasPrefix(Self.sqliteOnly) { return nil }
        return statement.replacingOccurrences(of: "{int}", with: "BIGINT")
          .replacingOccurrences(of: "{real}", with: "DOUBLE PRECISION").replacingOccurrences(of: "{blob}", with: "BYTEA")
      }
    }

    static let sqliteOnly = "{sqlite}"
  }

  /// SQLite statements that rebuild `table` (created by `create`, a `CREATE TABLE <name>_v2 ...`)
  /// with its rows: copy, drop the old table (and its indexes), rename.
  private static func rebuild(_ table: String, _ create: String) -> [String] {
    let columns = (derived.first { $0.name == table }?.columns ?? []).map(\.name).joined(separator: ", ")
    return [
      create, "INSERT INTO \(table)_v2 (\(columns)) SELECT \(columns) FROM \(table)", "DROP TABLE \(table)",
      "ALTER TABLE \(table)_v2 RENAME TO \(table)",
    ].map { Dialect.sqliteOnly + $0 }
  }

  /// The migrations, version by version: version k's statements turn a version k−1
  /// database into a version k one. Add a version at the end; never change a shipped one.
  static let migrations: [(version: Int, description: String, statements: [String])] = [
    (
      1, "audit_lines, records, attributions, reason_codes",
      [
        "CREATE TABLE audit_lines (seq {int} PRIMARY KEY, line {blob} NOT NULL)",
        "CREATE TABLE records (seq {int} PRIMARY KEY REFERENCES audit_lines (seq), record_id TEXT, time TEXT, writer TEXT, "
          + "model_path TEXT, model_sha256 TEXT, model_format TEXT, data_source TEXT, data_sha256 TEXT, row_index {int}, "
          + "id TEXT, output {int}, prediction_space TEXT, prediction {real}, method TEXT, parameters TEXT, "
          + "base_value {real}, prev_hash TEXT, hash TEXT)",
        "CREATE TABLE attributions (seq {int} NOT NULL REFERENCES records (seq), position {int} NOT NULL, "
          + "feature TEXT NOT NULL, value {real}, label TEXT, attribution {real}, std_error {real}, PRIMARY KEY (seq, position))",
        "CREATE TABLE reason_codes (seq {int} NOT NULL REFERENCES records (seq), rank {int} NOT NULL, feature TEXT, "
          + "phi {real}, PRIMARY KEY (seq, rank))",
        "CREATE INDEX records_by_id ON records (id)",
        "CREATE INDEX records_by_record_id ON records (record_id)",
        "CREATE INDEX records_by_time ON records (time)",
        "CREATE INDEX records_by_model ON records (model_sha256, time)",
        "CREATE INDEX attributions_by_feature ON attributions (feature)",
        "CREATE INDEX reason_codes_by_feature ON reason_codes (feature)",
      ]
    ),
    // Cheaper appends: in SQLite the attributions and reason codes are clustered on their
    // keys (WITHOUT ROWID: one B-tree per table instead of a table and its key index);
    // in both databases the by-feature indexes go (the lookups the trail needs are by
    // id, time and model, on `records`).
    (
      2, "attributions and reason_codes keyed by (seq, position) and (seq, rank), no by-feature indexes",
      [
        "DROP INDEX attributions_by_feature",
        "DROP INDEX reason_codes_by_feature",
      ]
        + rebuild(
          "attributions",
          "CREATE TABLE attributions_v2 (seq {int} NOT NULL REFERENCES records (seq), position {int} NOT NULL, "
            + "feature TEXT NOT NULL, value {real}, label TEXT, attribution {real}, std_error {real}, "
            + "PRIMARY KEY (seq, position)) WITHOUT ROWID")
        + rebuild(
          "reason_codes",
          "CREATE TABLE reason_codes_v2 (seq {int} NOT NULL REFERENCES records (seq), rank {int} NOT NULL, feature TEXT, "
            + "phi {real}, PRIMARY KEY (seq, rank)) WITHOUT ROWID")
    ),
  ]

  /// The schema version this build writes and reads.
  public static var currentVersion: Int { migrations.last?.version ?? 0 }

  /// The statements that bring a database at `version` (0: no tables) to `currentVersion`,
  /// each migration ending with its row in `glassbox_schema`.
  /// - Throws: `AuditError.cannotWrite` when the database is newer than this build.
  public static func statements(from version: Int, dialect: Dialect, location: String) throws(AuditError) -> [String] {
    guard version <= currentVersion else {
      throw .cannotWrite(
        path: location, reason: "its schema is version \(version), newer than this glassbox knows (\(currentVersion)); use a newer glassbox")
    }
    var out: [String] = []
    if version == 0 {
      out.append("CREATE TABLE IF NOT EXISTS glassbox_schema (version {int} PRIMARY KEY, description TEXT NOT NULL)")
    }
    for migration in migrations where migration.version > version {
      out += migration.statements
      out.append("INSERT INTO glassbox_schema (version, description) VALUES (\(migration.version), '\(migration.description)')")
    }
    return out.compactMap(dialect.spell)
  }

  /// The first position whose derived rows differ between `expected` (derived from the
  /// chained lines) and `stored` (read from the tables), with the table named.
  public static func firstMismatch(expected: [Int: AuditTableRows], stored: [Int: AuditTableRows]) -> (seq: Int, table: String)? {
    let positions = Set(expected.keys).union(stored.keys).sorted()
    for seq in positions {
      let a = expected[seq] ?? AuditTableRows(), b = stored[seq] ?? AuditTableRows()
      if a.records != b.records { return (seq, records.name) }
      if a.attributions != b.attributions { return (seq, attributions.name) }
      if a.reasonCodes != b.reasonCodes { return (seq, reasonCodes.name) }
    }
    return nil
  }

  /// Groups rows read from the derived tables (in `derived` order) by their first column.
  public static func group(_ tables: [[[TableValue]]]) -> [Int: AuditTableRows] {
    var out: [Int: AuditTableRows] = [:]
    for (t, rows) in tables.enumerated() {
      for row in rows {
        guard case .integer(let seq) = row.first else { continue }
        switch t {
        case 0: out[seq, default: AuditTableRows()].records.append(row)
        case 1: out[seq, default: AuditTableRows()].attributions.append(row)
        default: out[seq, default: AuditTableRows()].reasonCodes.append(row)
        }
      }
    }
    return out
  }
}

/// A store that also keeps the query tables: `verify` compares them with the chained lines.
public protocol DerivedTablesStore: LogStore {
  /// The rows of `AuditTables.derived` whose `seq` is after `first` and at most `last`
  /// (nil: no upper bound), each table in its `order`, as `[table][row][column]`.
  /// May be called from inside `forEachStoredLine`'s body.
  /// - Throws: `AuditError.cannotRead`.
  func derivedTableRows(after first: Int, through last: Int?) throws(AuditError) -> [[[TableValue]]]

  /// `write(lines)`, with the rows of each line given (`tableRows[k]` for the k-th line;
  /// nil: derive them from the line). Rows given must equal what `AuditTableRows(line:seq:)`
  /// derives, apart from `seq`, which the store sets.
  func write(_ lines: [UInt8], tableRows: [AuditTableRows?]) throws(AuditError) -> LogPosition
}

/// Turns a database library's errors into `AuditError`s naming the store: `.cannotWrite`
/// when writing, `.cannotRead` when reading; an `AuditError` passes through unchanged.
public struct DatabaseFailures {
  public let location: String
  /// The library's own message for an error.
  public let reason: (any Error) -> String

  public init(location: String, reason: @escaping (any Error) -> String) {
    self.location = location
    self.reason = reason
  }

  public func writing<T>(_ body: () throws -> T) throws(AuditError) -> T {
    try run(body) { .cannotWrite(path: location, reason: $0) }
  }

  public func reading<T>(_ body: () throws -> T) throws(AuditError) -> T {
    try run(body) { .cannotRead(path: location, reason: $0) }
  }

  private func run<T>(_ body: () throws -> T, _ failure: (String) -> AuditError) throws(AuditError) -> T {
    do {
      return try body()
    } catch let error as AuditError {
      throw error
    } catch {
      throw failure(reason(error))
    }
  }
}
