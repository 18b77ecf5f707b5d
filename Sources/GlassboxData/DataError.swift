import GlassboxSystem

/// Where in an input a problem sits: file, line, column, value.
public struct InputLocation: Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var column: String?
  public var value: String?

  public init(file: String, line: Int? = nil, column: String? = nil, value: String? = nil) {
    self.file = file
    self.line = line
    self.column = column
    self.value = value
  }

  /// `file:line, column 'name', value 'text'`: the column and value (untrusted input)
  /// with control characters escaped and cut to `TerminalSafe.shownCharacters` characters
  /// (see `TerminalSafe.quote(_:)`), so a message stays one short line.
  public var description: String {
    var text = TerminalSafe.escaped(file)
    if let line { text += ":\(line)" }
    if let column { text += ", column '\(TerminalSafe.quote(column))'" }
    if let value { text += ", value '\(TerminalSafe.quote(value))'" }
    return text
  }
}

extension Parameter {
  /// The selection of data rows to explain (`0,4,10-20`).
  public static let rows = Parameter("rows")
  /// One instance given as `name=value` pairs instead of a data file.
  public static let instance = Parameter("instance")
  /// The column that holds the true (or training) labels.
  public static let label = Parameter("label")
}

/// Failures reading tabular data, JSON, model cards, and row selections.
public enum DataError: ParameterNamingError, Equatable {
  /// A file could not be opened.
  case cannotOpen(path: String, reason: String)
  /// Reading failed part-way.
  case readFailed(path: String, reason: String)
  /// The CSV text breaks RFC 4180 (e.g. an unterminated quote).
  case malformedCSV(InputLocation, problem: String)
  /// A record has a different number of fields than the header.
  case fieldCount(InputLocation, found: Int, expected: Int)
  /// The input has no header line (or is empty).
  case emptyInput(path: String)
  /// A column the model needs is absent from the header.
  case missingColumn(path: String, column: String, available: [String])
  /// The header names a column twice.
  case duplicateColumn(path: String, column: String)
  /// A cell could not be read as a number.
  case notANumber(InputLocation)
  /// A categorical cell holds a label the model card does not list.
  case unknownLabel(InputLocation, known: [String])
  /// A JSON document is malformed.
  case malformedJSON(path: String, line: Int, column: Int, problem: String)
  /// A UBJSON document is malformed; `offset` is the zero-based byte position.
  case malformedUBJSON(path: String, offset: Int, problem: String)
  /// A JSON document is well formed but does not have the expected content.
  case invalidDocument(path: String, field: String, problem: String)
  /// A row selection (`rows`) cannot be parsed.
  case invalidRowSpec(spec: String, problem: String)
  /// An instance specification (`instance`) cannot be parsed.
  case invalidInstance(spec: String, problem: String)

  public var kind: FailureKind {
    switch self {
    case .cannotOpen: return .noInput
    case .readFailed: return .io
    case .invalidRowSpec, .invalidInstance: return .usage
    default: return .data
    }
  }

  public var markedMessage: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot open '\(path)': \(reason); check the path"
    case .readFailed(let path, let reason):
      return "reading '\(path)' failed: \(reason)"
    case .malformedCSV(let loc, let problem):
      return "\(loc): malformed CSV: \(problem); quote fields that contain commas, quotes or newlines, and double embedded quotes"
    case .fieldCount(let loc, let found, let expected):
      return "\(loc): the record has \(found) fields but the header has \(expected); check for unquoted commas"
    case .emptyInput(let path):
      return "'\(path)' is empty: a header line naming the columns is required"
    case .missingColumn(let path, let column, let available):
      let shown = available.prefix(12).joined(separator: ", ")
      return "'\(path)' has no column '\(column)' that the model needs; its columns are: \(shown)\(available.count > 12 ? ", ..." : "")"
    case .duplicateColumn(let path, let column):
      return "'\(path)' names the column '\(column)' twice in its header; rename one"
    case .notANumber(let loc):
      return "\(loc): not a number; write a decimal number, or leave the cell empty (or NA, NaN, ?) for a missing value"
    case .unknownLabel(let loc, let known):
      let shown = known.prefix(10).joined(separator: ", ")
      return "\(loc): unknown label; the model card lists \(shown)\(known.count > 10 ? ", ..." : "")"
    case .malformedJSON(let path, let line, let column, let problem):
      return "\(path):\(line):\(column): malformed JSON: \(problem)"
    case .malformedUBJSON(let path, let offset, let problem):
      return "\(path): byte \(offset): malformed UBJSON: \(problem)"
    case .invalidDocument(let path, let field, let problem):
      return "\(path): \(field): \(problem)"
    case .invalidRowSpec(let spec, let problem):
      return "invalid \(Parameter.rows) '\(spec)': \(problem); write zero-based indices and inclusive ranges such as 0,4,10-20"
    case .invalidInstance(let spec, let problem):
      return "invalid \(Parameter.instance) '\(spec)': \(problem); write name=value pairs separated by commas, e.g. 'age=39,sex=Male'"
    }
  }
}
