import GlassboxData
import GlassboxSystem

/// Reads what `glassbox explain` wrote, JSON Lines or CSV, back into summary rows.
///
/// JSON Lines carry each feature's value, so the beeswarm and dependence views can use
/// them; CSV carries attributions only. A line that is not an explanation is an error that
/// names the source and line. Rows of other classes than `outputClass` are skipped; when the
/// input holds several classes and none was chosen, that is an error.
/// - Complexity: O(bytes), one line in memory at a time.
public struct ExplanationLines {
  public enum Format: Sendable { case jsonLines, csv }

  private let source: ByteSource
  private var buffer: [UInt8] = []
  private var start = 0
  private var atEnd = false
  public private(set) var lineNumber = 0
  public private(set) var format: Format?
  public private(set) var features: [String]?
  private var csvColumns: [String] = []
  public let outputClass: Int?
  private var classSeen: String?

  public init(path: String, outputClass: Int?) throws(DataError) {
    source = try ByteSource(path: path)
    self.outputClass = outputClass
  }

  /// A reader of explanation text handed over in pieces (`rows(in:)`), as explain renders it.
  public init(parsingTextFor outputClass: Int?) {
    source = ByteSource(name: "<explain>", bytes: [])
    self.outputClass = outputClass
    format = .jsonLines
  }

  /// The explanations of the chosen class in `text`, complete JSON lines.
  public mutating func rows(in text: String) throws(DataError) -> [SummaryRow] {
    var rows: [SummaryRow] = []
    for line in text.utf8.split(separator: 10) {
      lineNumber += 1
      if let row = try parseJSON(ArraySlice(line)) { rows.append(row) }
    }
    return rows
  }

  public var sourceName: String { source.name }

  /// The next explanation of the chosen class, or nil at the end of input.
  public mutating func next() throws(DataError) -> SummaryRow? {
    while let line = try nextLine() {
      if line.allSatisfy({ $0 == 32 || $0 == 13 }) { continue }
      if format == nil { format = line.first == UInt8(ascii: "{") ? .jsonLines : .csv }
      if format == .csv && csvColumns.isEmpty {
        try readHeader(line)
        continue
      }
      if let row = try (format == .jsonLines ? parseJSON(line) : parseCSV(line)) { return row }
    }
    return nil
  }

  private func problem(_ text: String) -> DataError {
    .invalidDocument(path: "\(source.name):\(lineNumber)", field: "explanation", problem: text)
  }

  private mutating func nextLine() throws(DataError) -> ArraySlice<UInt8>? {
    while true {
      if let newline = buffer[start...].firstIndex(of: 10) {
        let line = buffer[start..<newline]
        start = newline + 1
        lineNumber += 1
        return line
      }
      if atEnd {
        guard start < buffer.count else { return nil }
        let line = buffer[start...]
        start = buffer.count
        lineNumber += 1
        return line
      }
      buffer.removeFirst(start)
      start = 0
      var chunk: [UInt8] = []
      if try source.read(into: &chunk, maximum: 1 << 20) == 0 { atEnd = true }
      buffer += chunk
    }
  }

  /// Checks that a line's class is the chosen one, or the only one seen.
  private mutating func keeps(classText: String) throws(DataError) -> Bool {
    if let outputClass { return classText == String(outputClass) }
    if let seen = classSeen, seen != classText {
      throw problem("the explanations hold several classes (\(seen), \(classText)); choose one with --class K")
    }
    classSeen = classText
    return true
  }

  private mutating func parseJSON(_ line: ArraySlice<UInt8>) throws(DataError) -> SummaryRow? {
    let value: JSONValue
    do {
      value = try JSONParser.parse(Array(line), path: source.name)
    } catch {
      throw problem("not valid JSON; summary reads what glassbox explain --format json or csv wrote")
    }
    // A remote model's run ends with its model calls: not an explanation.
    if let object = value.object, object["model_calls"] != nil, object["attributions"] == nil { return nil }
    guard let object = value.object, let list = object["attributions"]?.array else {
      throw problem("a JSON line without \"attributions\": is this the output of glassbox explain --format json?")
    }
    let classText = object["class"].flatMap { $0.number.map { String(Int($0)) } } ?? "null"
    guard try keeps(classText: classText) else { return nil }
    var names: [String] = []
    var attributions: [Double] = []
    var values: [SummaryValue] = []
    for item in list {
      guard let entry = item.object, let name = entry["feature"]?.string, let phi = entry["attribution"]?.number else {
        throw problem("an attribution without \"feature\" and a numeric \"attribution\"")
      }
      names.append(name)
      attributions.append(phi)
      switch entry["value"] {
      case .some(.number(let x)): values.append(.number(x))
      case .some(.string(let s)): values.append(.label(s))
      default: values.append(.missing)
      }
    }
    if let features {
      guard names == features else { throw problem("the features differ from the first line's") }
    } else {
      features = names
    }
    var row = SummaryRow(attributions: attributions, values: values)
    if let pairs = object["interactions"]?.object?["pairs"]?.array {
      row.interactionPairs = try interactionPairs(pairs, names: names)
    }
    return row
  }

  /// The pairs of explain's `"interactions":{"pairs":[{"features":[a,b],"value":v}]}`.
  private func interactionPairs(_ pairs: [JSONValue], names: [String]) throws(DataError) -> [(first: Int, second: Int, value: Double)] {
    var out: [(first: Int, second: Int, value: Double)] = []
    for item in pairs {
      guard let entry = item.object, let both = entry["features"]?.array, both.count == 2,
        let a = both[0].string.flatMap({ names.firstIndex(of: $0) }), let b = both[1].string.flatMap({ names.firstIndex(of: $0) }),
        let value = entry["value"]?.number
      else { throw problem("an interaction pair without two known \"features\" and a numeric \"value\"") }
      out.append((a, b, value))
    }
    return out
  }

  private mutating func readHeader(_ line: ArraySlice<UInt8>) throws(DataError) {
    csvColumns = String(decoding: line, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
      .map { String($0).trimmingCharacters(in: "\r\"") }
    guard csvColumns.contains("prediction"), csvColumns.contains("base_value") else {
      throw problem("a CSV header without prediction and base_value: is this the output of glassbox explain --format csv?")
    }
    let fixed: Set<String> = ["row", "id", "class", "prediction", "base_value"]
    features = csvColumns.filter { !fixed.contains($0) }
  }

  private mutating func parseCSV(_ line: ArraySlice<UInt8>) throws(DataError) -> SummaryRow? {
    let cells = String(decoding: line, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
      .map { String($0).trimmingCharacters(in: "\r") }
    guard cells.count == csvColumns.count else {
      throw problem("\(cells.count) fields where the header has \(csvColumns.count)")
    }
    if let k = csvColumns.firstIndex(of: "class") {
      guard try keeps(classText: cells[k].isEmpty ? "null" : cells[k]) else { return nil }
    }
    var attributions: [Double] = []
    for (name, cell) in zip(csvColumns, cells) where features?.contains(name) == true {
      guard let phi = Double(cell), phi.isFinite else { throw problem("attribution of \(name) is not a number: '\(cell)'") }
      attributions.append(phi)
    }
    return SummaryRow(attributions: attributions, values: [])
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let c = s.first, set.contains(c) { s.removeFirst() }
    while let c = s.last, set.contains(c) { s.removeLast() }
    return String(s)
  }
}
