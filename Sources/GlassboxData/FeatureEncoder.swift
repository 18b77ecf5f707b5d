import GlassboxSystem

/// Turns CSV records (or an `--instance` string) into model inputs.
///
/// Columns are matched to features by name; other columns are ignored but stay in the
/// block for later use (ids, labels, sensitive attributes). Categorical labels become
/// their card codes; missing values become NaN.
public struct FeatureEncoder: Sendable {
  /// The model's features.
  public let schema: FeatureSchema
  /// For each feature, the CSV column it is read from.
  public let columnIndex: [Int]
  private let source: String
  private let columnNames: [String]
  /// Per categorical feature, its labels looked up by the cell's bytes (`LabelTable`).
  private let labelTables: [LabelTable?]
  private let validCodes: [Set<Double>?]

  /// Matches `columns` (a CSV header) to the schema's features.
  /// - Throws: `DataError.missingColumn` naming the first feature with no column.
  public init(schema: FeatureSchema, columns: [String], source: String) throws(DataError) {
    var index: [Int] = []
    for name in schema.names {
      guard let k = columns.firstIndex(of: name) else {
        throw .missingColumn(path: source, column: name, available: columns)
      }
      index.append(k)
    }
    self.schema = schema
    self.columnIndex = index
    self.source = source
    self.columnNames = columns
    self.labelTables = schema.features.map { feature in
      guard case .categorical(let labels) = feature.kind else { return nil }
      return LabelTable(labels: labels.map { ($0.label, $0.code) })
    }
    self.validCodes = schema.features.map { feature in
      guard case .categorical(let labels) = feature.kind else { return nil }
      return Set(labels.map(\.code))
    }
  }

  /// Encodes every record of `block` into `out`, row-major (`block.count × features`).
  /// - Throws: `DataError.notANumber` or `.unknownLabel` with file, line, column and value.
  /// - Complexity: O(records · features).
  public func encode(_ block: CSVBlock, into out: inout [Double]) throws(DataError) {
    out.removeAll(keepingCapacity: true)
    try encode(block, appendingTo: &out)
  }

  /// Encodes every record of `block` after the values already in `out` (row-major), so a
  /// caller that collects many blocks copies nothing; on a bad cell `out` keeps only its
  /// earlier values.
  /// - Throws: `DataError.notANumber` or `.unknownLabel` with file, line, column and value.
  /// - Complexity: O(records · features).
  public func encode(_ block: CSVBlock, appendingTo out: inout [Double]) throws(DataError) {
    let m = schema.count
    let base = out.count
    if encodeColumns(block, into: &out, at: base) { return }
    // A bad cell: encode row by row, which throws at the first one in row order.
    out.removeSubrange(base...)
    out.reserveCapacity(base + block.count * m)
    for r in 0..<block.count {
      for j in 0..<m {
        out.append(try encodeCell(block, r, j))
      }
    }
  }

  /// Appends every record of `block` to `out` (row-major, from `base`) one feature at a
  /// time, each feature's table looked up once; false, with `out` unspecified from `base`
  /// on, when a cell is bad.
  /// - Complexity: O(records · features).
  private func encodeColumns(_ block: CSVBlock, into out: inout [Double], at base: Int) -> Bool {
    let m = schema.count
    let n = block.count
    let stride = block.columnCount
    out.append(contentsOf: repeatElement(.nan, count: n * m))
    return out.withUnsafeMutableBufferPointer { all in
      let out = UnsafeMutableBufferPointer(rebasing: all[base...])
      return block.withStorage { bytes, starts, lengths in
        // One column's cells, in record order; inlined, so the numeric call (no table, no
        // codes) compiles to its own loop.
        @inline(__always) func fill(_ j: Int, _ table: LabelTable?, _ codes: Set<Double>?) -> Bool {
          var k = columnIndex[j]
          var at = j
          for _ in 0..<n {
            let start = Int(starts[k])
            let cell = UnsafeBufferPointer(rebasing: bytes[start..<(start + Int(lengths[k]))])
            guard let value = Self.value(cell, table, codes) else { return false }
            out[at] = value
            k += stride
            at += m
          }
          return true
        }
        for j in 0..<m {
          guard let table = labelTables[j] else {
            if !fill(j, nil, nil) { return false }
            continue
          }
          let done = withExtendedLifetime(table) { fill(j, table, validCodes[j]) }
          if !done { return false }
        }
        return true
      }
    }
  }

  /// The value of one cell (0-terminated in memory): NaN when missing, a card code for a
  /// categorical feature (its label, or the code itself), else a number; nil when bad.
  @inline(__always)
  private static func value(_ bytes: UnsafeBufferPointer<UInt8>, _ table: LabelTable?, _ codes: Set<Double>?) -> Double? {
    if CellParsing.isMissing(bytes) { return Double.nan }
    if let table {
      if let code = table.code(bytes) { return code }
      if let number = CellParsing.number(zeroTerminated: bytes), let codes, codes.contains(number) { return number }
      return nil
    }
    return CellParsing.number(zeroTerminated: bytes)
  }

  /// Encodes one record into `out` (which must hold `features` values).
  public func encode(_ block: CSVBlock, record r: Int, into out: UnsafeMutableBufferPointer<Double>) throws(DataError) {
    for j in 0..<schema.count { out[j] = try encodeCell(block, r, j) }
  }

  @inline(__always)
  private func encodeCell(_ block: CSVBlock, _ r: Int, _ j: Int) throws(DataError) -> Double {
    let column = columnIndex[j]
    let result = block.withField(r, column) { Self.value($0, labelTables[j], validCodes[j]) }
    if let result { return result }
    let location = InputLocation(
      file: source, line: block.lines[r], column: columnNames[column], value: block.string(r, column))
    if labelTables[j] != nil {
      throw .unknownLabel(location, known: labels(of: j))
    }
    throw .notANumber(location)
  }

  /// The cell's text without leading and trailing space (0x20) and tab (0x09) bytes,
  /// trimmed on the bytes before one string is made (no per-character work). The same text
  /// as `String(decoding: bytes, as: UTF8.self).trimmingSpaces()` except where a space is
  /// followed by a combining mark (one character for `String`, so kept there).
  /// - Complexity: O(length).
  @inline(__always)
  public static func trimmedText(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
    while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
  }

  private func labels(of j: Int) -> [String] {
    guard case .categorical(let labels) = schema.features[j].kind else { return [] }
    return labels.map(\.label)
  }

  /// Parses `--instance 'name=value,name=value'` into one model input row.
  ///
  /// Every feature must be given (a missing value may be written `name=` or `name=NA`);
  /// values may be labels where the card defines them. A value containing a comma can be
  /// double-quoted.
  /// - Throws: `DataError.invalidInstance` for bad syntax, unknown or absent features.
  public static func encode(instance spec: String, schema: FeatureSchema) throws(DataError) -> [Double] {
    let block = try instanceBlock(spec, schema: schema)
    let encoder = try FeatureEncoder(schema: schema, columns: schema.names, source: "\(Parameter.instance)")
    var out: [Double] = []
    do {
      try encoder.encode(block, into: &out)
    } catch {
      switch error {
      case .notANumber(let location):
        throw .invalidInstance(spec: spec, problem: "'\(location.column ?? "")' is not a number: '\(location.value ?? "")'")
      case .unknownLabel(let location, let known):
        throw .invalidInstance(
          spec: spec,
          problem: "'\(location.value ?? "")' is not a label of '\(location.column ?? "")' (labels: \(known.joined(separator: ", ")))")
      default:
        throw error
      }
    }
    return out
  }

  /// Parses `--instance 'name=value,name=value'` into a one-record block whose columns
  /// are the schema's features in order, so that the instance goes through the same cell
  /// rules and data checks as a CSV row.
  /// - Throws: `DataError.invalidInstance` for bad syntax, unknown or absent features.
  public static func instanceBlock(_ spec: String, schema: FeatureSchema) throws(DataError) -> CSVBlock {
    var given: [String: String] = [:]
    for part in splitInstance(spec) {
      let trimmed = part.trimmingSpaces()
      if trimmed.isEmpty { continue }
      guard let eq = trimmed.firstIndex(of: "=") else {
        throw .invalidInstance(spec: spec, problem: "'\(trimmed)' has no '='")
      }
      let name = String(trimmed[..<eq]).trimmingSpaces()
      var value = String(trimmed[trimmed.index(after: eq)...]).trimmingSpaces()
      if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
      guard schema.names.contains(name) else {
        throw .invalidInstance(spec: spec, problem: "the model has no feature '\(name)' (it has \(schema.names.joined(separator: ", ")))")
      }
      guard given[name] == nil else { throw .invalidInstance(spec: spec, problem: "'\(name)' is given twice") }
      given[name] = value
    }
    let absent = schema.names.filter { given[$0] == nil }
    guard absent.isEmpty else {
      throw .invalidInstance(spec: spec, problem: "no value for \(absent.joined(separator: ", ")) (write name= for a missing value)")
    }
    // Reuse the CSV cell rules by building a one-record block.
    var block = CSVBlock(columnCount: schema.count, firstRow: 0)
    for name in schema.names {
      let start = block.bytes.count
      block.bytes.append(contentsOf: Array(given[name]!.utf8))
      block.starts.append(Int32(start))
      block.lengths.append(Int32(block.bytes.count - start))
      block.bytes.append(0)
    }
    block.lines.append(1)
    return block
  }

  private static func splitInstance(_ spec: String) -> [String] {
    var parts: [String] = []
    var current = ""
    var quoted = false
    for ch in spec {
      if ch == "\"" { quoted.toggle() }
      if ch == "," && !quoted {
        parts.append(current)
        current = ""
      } else {
        current.append(ch)
      }
    }
    parts.append(current)
    return parts
  }
}

