import GlassboxData

/// The text encoding of glassbox's model protocol (docs/model-protocol.md): rows as
/// tab-separated cells, answers as tab- or space-separated numbers.
enum LineProtocol {
  /// The first line glassbox sends.
  static let greeting = "glassbox-model-protocol 1"

  /// The cell of `value` for feature `j`: empty when missing, the card's label for a
  /// categorical code it lists, else the number's shortest round-trip decimal.
  static func cell(_ value: Double, feature j: Int, schema: FeatureSchema) -> String {
    switch schema.displayValue(value, feature: j) {
    case .missing: return ""
    case .label(let label): return label
    case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
    }
  }

  /// A label the protocol cannot carry (it holds a tab, a line break or is empty), if any.
  static func unsendableLabel(_ schema: FeatureSchema) -> (feature: String, label: String)? {
    for feature in schema.features {
      guard case .categorical(let labels) = feature.kind else { continue }
      if let bad = labels.first(where: { $0.label.isEmpty || $0.label.contains(where: { "\t\n\r".contains($0) }) }) {
        return (feature.name, bad.label)
      }
    }
    return nil
  }

  /// The bytes of one batch frame: `batch N ROWS`, then one line per row.
  /// - Complexity: O(rows × features).
  static func frame(number: Int, rows: ArraySlice<Double>, count: Int, schema: FeatureSchema) -> [UInt8] {
    let m = schema.count
    var text = "batch \(number) \(count)\n"
    text.reserveCapacity(count * m * 6)
    let base = rows.startIndex
    for r in 0..<count {
      for j in 0..<m {
        if j > 0 { text += "\t" }
        text += cell(rows[base + r * m + j], feature: j, schema: schema)
      }
      text += "\n"
    }
    return Array(text.utf8)
  }

  /// The numbers of one answer line: exactly `width` finite numbers separated by tabs,
  /// spaces or commas.
  /// - Returns: nil and the problem when the line is not that.
  static func numbers(_ line: String, width: Int) -> (values: [Double]?, problem: String?) {
    let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "," })
    guard fields.count == width else {
      return (nil, "answered \(fields.count) value\(fields.count == 1 ? "" : "s") on a line where \(width) were announced: '\(line.prefix(80))'")
    }
    var values: [Double] = []
    values.reserveCapacity(width)
    for field in fields {
      guard let v = Double(field) else { return (nil, "answered '\(field.prefix(40))', which is not a number") }
      guard v.isFinite else { return (nil, "answered \(field), not a finite number") }
      values.append(v)
    }
    return (values, nil)
  }
}
