import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxSystem

/// The pipeline behind `glassbox bias`: every row's score, and every row's attributions,
/// computed in parallel blocks with results in row order whatever the thread count.
public enum BiasScoring {
  /// The score of every row: the response of output `k` (probability for classifiers).
  /// - Complexity: O(rows · model cost), in one contiguous piece of rows per thread.
  public static func scores(_ model: any Model, _ rows: [Double], count n: Int, output k: Int, threads: Int) -> [Double] {
    let m = model.featureCount, outputs = model.outputCount
    var margins = [Double](repeating: 0, count: n * outputs)
    parallelFill(&margins, items: n, elementsPerItem: outputs, chunks: threads) { items, out in
      rows.withUnsafeBufferPointer { input in
        model.predictMargins(
          UnsafeBufferPointer(rebasing: input[(items.lowerBound * m)..<(items.upperBound * m)]), count: items.count,
          into: out)
      }
    }
    return (0..<n).map { r in model.responses(fromMargins: margins[(r * outputs)..<((r + 1) * outputs)])[k] }
  }

  /// Appends one audit record per row, in row order, from the attribution table.
  public static func record(_ table: AttributionTable, rows: [Double], output: Int?, into trail: AuditTrail) throws {
    let m = table.featureNames.count
    var batch: [Explanation] = []
    for r in 0..<table.rowCount {
      batch.append(
        Explanation(
          row: r, output: output, space: table.space, prediction: table.predictions[r], baseValue: table.baseValues[r],
          attributions: Array(table.values[(r * m)..<((r + 1) * m)]), inputs: Array(rows[(r * m)..<((r + 1) * m)])))
      if batch.count == 1024 || r == table.rowCount - 1 {
        do {
          try trail.record(batch)
        } catch {
          try? trail.finish()  // seal the records written before the failure
          throw error
        }
        batch.removeAll(keepingCapacity: true)
      }
    }
    try trail.finish()
  }

  /// Explains every row (output `k`) in parallel blocks of 1,024 rows; results are in row
  /// order whatever the thread count.
  /// - Throws: the first error in row order.
  public static func attributions(
    _ explainer: any Explainer, _ rows: [Double], count n: Int, schema: FeatureSchema, output k: Int, threads: Int
  ) throws -> AttributionTable {
    let m = schema.count
    let block = 1024
    let blocks = (n + block - 1) / block
    // Each block's values of output k (row-major attributions, predictions, base values).
    let explained = try parallelMap(blocks, threads: threads) { b throws -> BlockValues in
      let start = b * block, count = min(block, n - start)
      var explanations: [Explanation] = []
      try rows.withUnsafeBufferPointer { input in
        try explainer.explain(
          UnsafeBufferPointer(rebasing: input[(start * m)..<((start + count) * m)]), count: count,
          rowIndices: ArraySlice(start..<(start + count)), ids: nil, into: &explanations)
      }
      var values = BlockValues(phi: [], predictions: [], bases: [], space: .raw)
      for e in explanations where (e.output ?? 0) == k {
        values.phi += e.attributions
        values.predictions.append(e.prediction)
        values.bases.append(e.baseValue)
        values.space = e.space
      }
      return values
    }
    let values = explained.flatMap(\.phi), predictions = explained.flatMap(\.predictions)
    let bases = explained.flatMap(\.bases)
    return AttributionTable(
      featureNames: schema.names, values: values, predictions: predictions, baseValues: bases,
      method: explainer.method, space: explained.first?.space ?? .raw, isExact: explainer.isExact)
  }

  /// One block's attributions of the scored output.
  struct BlockValues: Sendable {
    var phi: [Double]
    var predictions: [Double]
    var bases: [Double]
    var space: OutputSpace
  }
}

/// The columns a bias analysis reads from the data, held in memory.
public struct BiasInput: Sendable {
  /// Encoded model inputs, row-major.
  public var rows: [Double]
  /// `sensitive[a][row]`: group values per attribute.
  public var sensitive: [[String]]
  /// Raw label cells, when a label column was named.
  public var labels: [String]?
  public var rowCount: Int
  public var source: String
  /// The input's column names.
  public var columns: [String] = []

  /// Reads the whole CSV: model features, sensitive columns and the label column. Each
  /// row goes through the same data checks as in `explain`, and a row with an error-level
  /// problem is handled by `badRows` (as `BatchExplanation` does).
  /// - Parameters:
  ///   - captured: the data, already read once (a stream under `--audit`); nil reads `path`.
  ///   - reject: receives each row left out under `.skip`, in input order.
  /// - Throws: `DataError` (65/66) for unreadable data or a missing column; under `.fail`,
  ///   the first bad row with its line, column and value.
  /// - Complexity: O(rows · columns); memory O(rows · features).
  public static func read(
    path: String, captured: CapturedStream? = nil, schema: FeatureSchema, sensitive: [String], label: String?,
    badRows: BadRowPolicy = .fail, reject: (RejectedRow) throws -> Void = { _ in }
  ) throws -> BiasInput {
    let reader = try captured.map { try CSVReader(source: $0.source()) } ?? CSVReader(path: path)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
    let checker = RowChecker(schema: schema, columns: reader.columns, source: reader.sourceName, reference: nil)
    func column(_ name: String) throws -> Int {
      guard let c = reader.index(of: name) else {
        throw DataError.missingColumn(path: reader.sourceName, column: name, available: reader.columns)
      }
      return c
    }
    let sensitiveColumns = try sensitive.map(column)
    let labelColumn = try label.map(column)
    let features = sensitive.map { schema.card?.feature(named: $0) }
    var input = BiasInput(
      rows: [], sensitive: sensitive.map { _ in [] }, labels: label == nil ? nil : [], rowCount: 0, source: reader.sourceName,
      columns: reader.columns)
    var row = [Double](repeating: .nan, count: schema.count)
    while let block = try reader.nextBlock(maxRecords: 4096) {
      for r in 0..<block.count {
        let decided = try row.withUnsafeMutableBufferPointer { slot in
          try badRows.decide(
            checker.check(block, record: r, into: slot), block: block, record: r, row: slot, checker: checker,
            encoder: encoder)
        }
        if case .reject(let rejected) = decided {
          try reject(rejected)
          continue
        }
        input.rows.append(contentsOf: row)
        for (a, c) in sensitiveColumns.enumerated() {
          input.sensitive[a].append(SensitiveValues.value(of: block.string(r, c), feature: features[a]))
        }
        if let labelColumn { input.labels!.append(block.string(r, labelColumn)) }
        input.rowCount += 1
      }
    }
    return input
  }
}
