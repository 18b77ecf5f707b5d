import GlassboxData
import GlassboxExplainers
import GlassboxSystem

/// One record as `AuditRecordBuilder` makes it: the body the chain turns into a line and,
/// for a store that keeps query tables, the rows that line derives to, built from the
/// explanation rather than by parsing the line again. Their `seq` cells are 0 (the store
/// binds the line's position instead) and the `records` row's `prev_hash` and `hash` are
/// NULL until the appender fills them (`chained(prevHash:hash:)`).
public struct AuditRecordBody: Sendable {
  public var body: [UInt8]
  public var tableRows: AuditTableRows?

  public init(body: [UInt8], tableRows: AuditTableRows?) {
    self.body = body
    self.tableRows = tableRows
  }
}

extension AuditTableRows {
  /// Column positions in `AuditTables.records`.
  private enum Column {
    static let seq = 0
    static let shared = [4, 5, 6, 7, 8, 14, 15]  // model path, sha256, format; data source, sha256; method, parameters
    static let prevHash = 17
    static let hash = 18
  }

  /// The `records` cells shared by every record of one builder (model, data source,
  /// explainer), derived once by `init(line:seq:)` from the shared fragments of the body,
  /// so they are the cells `verify` derives from each line.
  struct SharedCells: Sendable {
    let cells: [TableValue]

    init(sharedHead: [UInt8], sharedExplainer: [UInt8]) {
      let line = Array("{\"type\":\"explanation\"".utf8) + sharedHead + sharedExplainer + [UInt8(ascii: "}")]
      let row = AuditTableRows(line: line, seq: 0).records.first
      cells = Column.shared.map { row?[$0] ?? .null }
    }
  }

  /// The cell a number derives to once written to a line and parsed back: NULL when not
  /// finite (written `null`), the parsed zero for ±0 (written `0` and `-0`), else itself
  /// (written in shortest round-trip form).
  static func cell(_ x: Double) -> TableValue {
    guard x.isFinite else { return .null }
    guard x == 0 else { return .real(x) }
    return x.sign == .minus ? parsedNegativeZero : parsedZero
  }

  private static let parsedZero = parsedNumber("0")
  private static let parsedNegativeZero = parsedNumber("-0")
  private static func parsedNumber(_ text: String) -> TableValue {
    .real(or: (try? JSONParser.parse(Array(text.utf8), path: ""))?.number)
  }

  /// An integer cell as a JSON number spelling `n` derives to.
  private static func integerCell(_ n: Int) -> TableValue { .integer(or: Int(exactly: Double(n))) }

  /// The rows of the record of `e`, equal to what `init(line:seq:)` derives from its line
  /// once chained, apart from the chain cells (see `AuditRecordBody`).
  /// - Parameter inputs: each input's `value` and `label` cells, in feature order.
  /// - Complexity: O(features).
  init(
    _ e: Explanation, shared: SharedCells, recordID: String, writer: String, time: String, names: [String],
    inputs: [(value: TableValue, label: TableValue)]
  ) {
    let s = shared.cells
    records = [[
      .integer(0), .text(recordID), .text(time), .text(writer), s[0], s[1], s[2], s[3], s[4],
      Self.integerCell(e.row), .text(or: e.id), e.output.map(Self.integerCell) ?? .null,
      .text(e.space.rawValue), Self.cell(e.prediction), s[5], s[6], Self.cell(e.baseValue), .null, .null,
    ]]
    // A standard error that is not finite is written `null`, and the list then reads as no list.
    let errors = e.standardErrors.flatMap { list in list.allSatisfy(\.isFinite) ? list : nil }
    let count = min(e.attributions.count, names.count)
    attributions.reserveCapacity(count)
    for j in 0..<count {
      let input = j < inputs.count ? inputs[j] : (value: TableValue.null, label: TableValue.null)
      attributions.append([
        .integer(0), .integer(j), .text(names[j]), input.value, input.label, Self.cell(e.attributions[j]),
        errors.map { j < $0.count ? Self.cell($0[j]) : .null } ?? .null,
      ])
    }
    for (rank, j) in AuditRecordBuilder.reasonCodes(e.attributions).enumerated() {
      reasonCodes.append([.integer(0), .integer(rank + 1), .text(names[j]), Self.cell(e.attributions[j])])
    }
  }

  /// These rows with the `records` row's chain cells: `prevHash` as the line's `prev_hash`
  /// spells it, `hash` the SHA-256 of the line's bytes.
  public func chained(prevHash: [UInt8], hash: [UInt8]) -> AuditTableRows {
    guard !records.isEmpty else { return self }
    var out = self
    out.records[0][Column.prevHash] = .text(prevHash.isEmpty ? AuditSchema.genesisHash : "sha256:" + AuditSchema.hex(prevHash))
    out.records[0][Column.hash] = .text("sha256:" + AuditSchema.hex(hash))
    return out
  }
}
