import Dispatch
import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels

/// The pipeline behind `glassbox bias`: every row's score, and every row's attributions,
/// computed in parallel blocks with results in row order whatever the thread count.
public enum BiasScoring {
  /// The score of every row: the response of output `k` (probability for classifiers).
  /// - Complexity: O(rows · model cost), in parallel blocks.
  public static func scores(_ model: any Model, _ rows: [Double], count n: Int, output k: Int, threads: Int) -> [Double] {
    let m = model.featureCount, outputs = model.outputCount
    var margins = [Double](repeating: 0, count: n * outputs)
    let block = 4096
    let blocks = (n + block - 1) / block
    rows.withUnsafeBufferPointer { input in
      margins.withUnsafeMutableBufferPointer { result in
        nonisolated(unsafe) let source = input
        nonisolated(unsafe) let target = result
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, blocks))) { worker in
          var b = worker
          while b < blocks {
            let start = b * block, count = min(block, n - start)
            model.predictMargins(
              UnsafeBufferPointer(rebasing: source[(start * m)..<((start + count) * m)]), count: count,
              into: UnsafeMutableBufferPointer(rebasing: target[(start * outputs)..<((start + count) * outputs)]))
            b += max(1, min(threads, blocks))
          }
        }
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
        try trail.record(batch)
        batch.removeAll(keepingCapacity: true)
      }
    }
    try trail.finish()
  }

  /// Explains every row (output `k`) in parallel blocks; results are in row order whatever
  /// the thread count.
  public static func attributions(
    _ explainer: any Explainer, _ rows: [Double], count n: Int, schema: FeatureSchema, output k: Int, threads: Int
  ) throws -> AttributionTable {
    let m = schema.count
    let block = 1024
    let blocks = (n + block - 1) / block
    var values = [Double](repeating: 0, count: n * m)
    var predictions = [Double](repeating: 0, count: n)
    var bases = [Double](repeating: 0, count: n)
    let workers = max(1, min(threads, blocks))
    var spaces = [OutputSpace](repeating: .raw, count: blocks)
    let errors = UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: max(blocks, 1))
    errors.initialize(repeating: nil)
    defer {
      _ = errors.deinitialize()
      errors.deallocate()
    }
    nonisolated(unsafe) let failures = errors
    rows.withUnsafeBufferPointer { input in
      values.withUnsafeMutableBufferPointer { v in
        predictions.withUnsafeMutableBufferPointer { p in
          bases.withUnsafeMutableBufferPointer { bv in
            spaces.withUnsafeMutableBufferPointer { sp in
              nonisolated(unsafe) let (source, phi, pred, base, spaceOut) = (input, v, p, bv, sp)
              DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var b = worker
                var explanations: [Explanation] = []
                while b < blocks {
                  let start = b * block, count = min(block, n - start)
                  explanations.removeAll(keepingCapacity: true)
                  do {
                    let slice = UnsafeBufferPointer(rebasing: source[(start * m)..<((start + count) * m)])
                    try explainer.explain(
                      slice, count: count, rowIndices: ArraySlice(start..<(start + count)), ids: nil, into: &explanations)
                    for e in explanations where (e.output ?? 0) == k {
                      let r = e.row
                      for j in 0..<m { phi[r * m + j] = e.attributions[j] }
                      pred[r] = e.prediction
                      base[r] = e.baseValue
                      spaceOut[b] = e.space
                    }
                  } catch {
                    failures[b] = error
                  }
                  b += workers
                }
              }
            }
          }
        }
      }
    }
    if let error = errors.lazy.compactMap({ $0 }).first { throw error }
    return AttributionTable(
      featureNames: schema.names, values: values, predictions: predictions, baseValues: bases,
      method: explainer.method, space: spaces.first ?? .raw, isExact: explainer.isExact)
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

  /// Reads the whole CSV: model features, sensitive columns and the label column.
  /// - Throws: `DataError` (65/66) for unreadable data or a missing column.
  /// - Complexity: O(rows · columns); memory O(rows · features).
  public static func read(path: String, schema: FeatureSchema, sensitive: [String], label: String?) throws -> BiasInput {
    let reader = try CSVReader(path: path)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
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
      rows: [], sensitive: sensitive.map { _ in [] }, labels: label == nil ? nil : [], rowCount: 0, source: reader.sourceName)
    var encoded: [Double] = []
    while let block = try reader.nextBlock(maxRecords: 4096) {
      try encoder.encode(block, into: &encoded)
      input.rows.append(contentsOf: encoded)
      for r in 0..<block.count {
        for (a, c) in sensitiveColumns.enumerated() {
          input.sensitive[a].append(SensitiveValues.value(of: block.string(r, c), feature: features[a]))
        }
        if let labelColumn { input.labels!.append(block.string(r, labelColumn)) }
      }
      input.rowCount += block.count
    }
    return input
  }
}
