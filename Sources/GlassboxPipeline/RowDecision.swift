import GlassboxData
import GlassboxSystem

/// What happens to one checked row under a `BadRowPolicy`: the one place the batch,
/// bias and instance paths decide it.
enum RowDecision {
  /// Explain (or score) the row; `notes` go with its explanation.
  case keep(notes: [String])
  /// Leave the row out (`BadRowPolicy.skip`).
  case reject(RejectedRow)
}

extension BadRowPolicy {
  /// Decides the fate of record `r` of `block`, whose `findings` the checker reported
  /// while encoding it into `row`. Under `.explain`, error cells in `row` become missing
  /// (as the notes say); warnings other than missing values become notes.
  /// - Throws: under `.fail`, the first error: the encoder's own message for a cell it
  ///   cannot read, else the finding with its line, column and value.
  func decide(
    _ findings: [Finding], block: CSVBlock, record r: Int, row: UnsafeMutableBufferPointer<Double>,
    checker: RowChecker, encoder: FeatureEncoder?
  ) throws -> RowDecision {
    let errors = findings.filter { $0.severity == .error }
    guard let first = errors.first else {
      // A missing value is normal input, not news.
      return .keep(notes: findings.filter { $0.kind != .missing }.map(Self.note))
    }
    switch self {
    case .fail:
      if let encoder {
        var scratch = [Double](repeating: 0, count: row.count)
        try scratch.withUnsafeMutableBufferPointer { try encoder.encode(block, record: r, into: $0) }
      }
      throw BadRowError(finding: first, source: checker.source)
    case .skip:
      return .reject(
        RejectedRow(
          line: first.line ?? block.lines[r], row: block.rowIndex(r), source: checker.source, reason: first.description,
          fields: (0..<block.columnCount).map { block.string(r, $0) }, columns: checker.columns))
    case .explain:
      // A cell with an error (even a readable one, such as a value outside the card's
      // range) is explained as missing.
      for f in errors { if let j = f.feature { row[j] = .nan } }
      return .keep(notes: findings.map(Self.note))
    }
  }

  /// A finding as a note on its row's explanation.
  static func note(_ f: Finding) -> String {
    var text = f.column.map { "\($0): " } ?? ""
    if let value = f.value { text += "'\(value)': " }
    return text + f.detail + (f.severity == .error ? " (explained as missing)" : "")
  }
}
