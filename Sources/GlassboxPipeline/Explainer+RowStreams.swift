import GlassboxExplainers

extension Explainer {
  /// Explains `count` rows, giving a stochastic explainer each row's random stream (from
  /// its id, or its position); a deterministic explainer ignores the streams. The one
  /// place the pipelines (batch, bias, replay) choose between the two entry points.
  /// - Parameters:
  ///   - rowIndices: the data-row index of each row.
  ///   - ids: each row's identifier (`--id-column`), whose stream makes a row's result
  ///     independent of how the input was split; nil: streams from the positions.
  func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>, ids: [String]?,
    into out: inout [Explanation]
  ) throws {
    guard let stochastic = self as? any StochasticExplainer else {
      return try explain(rows, count: count, rowIndices: rowIndices, into: &out)
    }
    let streams = ids.map { $0.map(RowStream.forID) } ?? rowIndices.map(RowStream.forRow)
    try stochastic.explain(rows, count: count, rowIndices: rowIndices, streams: streams[...], into: &out)
  }
}
