/// The space an explanation's numbers live in.
public enum OutputSpace: String, Sendable {
  /// The model's margin (log-odds for logistic models), where SHAP values add up exactly.
  case raw
  /// The response (probability for classifiers).
  case probability
}

/// The explanation of one model output for one input row.
///
/// Local accuracy: `baseValue + Σ attributions == prediction`, to 1e-9 relative for
/// exact methods (checked by `additivityGap`).
public struct Explanation: Sendable, Equatable {
  /// Zero-based data-row index.
  public var row: Int
  /// The output (class) explained; nil when the model has a single output.
  public var output: Int?
  /// Where `prediction`, `baseValue` and `attributions` live.
  public var space: OutputSpace
  /// The model's output for this row.
  public var prediction: Double
  /// The expected output over the reference distribution (E[f(X)]).
  public var baseValue: Double
  /// One attribution per feature, in the model's feature order.
  public var attributions: [Double]
  /// Standard errors of sampled estimates; nil when exact.
  public var standardErrors: [Double]?
  /// The encoded input row (NaN where missing), in the model's feature order.
  public var inputs: [Double]
  /// Notes about this explanation (imputed values, convergence, ...).
  public var notes: [String]
  /// The row's identifier from `--id-column`, if any.
  public var id: String?
  /// For local-surrogate methods (LIME): the fitted surrogate; `attributions` then holds
  /// the surrogate's weights for the selected features and 0 for the others.
  public var surrogate: LocalSurrogate?

  public init(
    row: Int, output: Int?, space: OutputSpace, prediction: Double, baseValue: Double,
    attributions: [Double], standardErrors: [Double]? = nil, inputs: [Double], notes: [String] = []
  ) {
    self.row = row
    self.output = output
    self.space = space
    self.prediction = prediction
    self.baseValue = baseValue
    self.attributions = attributions
    self.standardErrors = standardErrors
    self.inputs = inputs
    self.notes = notes
  }

  /// |base + Σφ − prediction| relative to max(1, |prediction|).
  public var additivityGap: Double {
    var sum = baseValue
    for a in attributions { sum += a }
    return abs(sum - prediction) / max(1, abs(prediction))
  }
}

/// A local surrogate model fitted around one instance (LIME).
public struct LocalSurrogate: Sendable, Equatable {
  /// Selected features (model feature indices), by decreasing |weight|.
  public var features: [Int]
  /// The human condition of each selected feature (`28.00 < age <= 37.00`, `sex = Female`).
  public var conditions: [String]
  /// The surrogate's weight of each selected feature.
  public var weights: [Double]
  /// The surrogate's intercept.
  public var intercept: Double
  /// The surrogate's prediction at the instance.
  public var localPrediction: Double
  /// The surrogate's weighted R² on the perturbed samples.
  public var score: Double
  /// How stable the explanation is across re-runs with other seeds (nil when not measured).
  public var stability: SurrogateStability?

  public init(
    features: [Int], conditions: [String], weights: [Double], intercept: Double, localPrediction: Double,
    score: Double
  ) {
    self.features = features
    self.conditions = conditions
    self.weights = weights
    self.intercept = intercept
    self.localPrediction = localPrediction
    self.score = score
  }
}

/// How a local surrogate's selection changes when it is re-fitted with other seeds.
public struct SurrogateStability: Sendable, Equatable {
  /// The number of re-runs compared with the explanation.
  public var runs: Int
  /// For each selected feature (parallel to `LocalSurrogate.features`), the fraction of
  /// re-runs whose top K holds the feature with the same sign.
  public var signAgreement: [Double]
  /// The mean Jaccard overlap |A∩B|/|A∪B| of the top-K feature sets (explanation vs re-run).
  public var meanJaccard: Double
  /// The smallest such overlap.
  public var minJaccard: Double
  /// Whether the overlap and sign agreements reach the configured thresholds.
  public var isStable: Bool

  public init(runs: Int, signAgreement: [Double], meanJaccard: Double, minJaccard: Double, isStable: Bool) {
    self.runs = runs
    self.signAgreement = signAgreement
    self.meanJaccard = meanJaccard
    self.minJaccard = minJaccard
    self.isStable = isStable
  }
}

/// Explains batches of rows.
public protocol Explainer: Sendable {
  /// The method's name in outputs ("linear", "tree", "kernel", ...).
  var method: String { get }
  /// True when attributions are exact Shapley values (no sampling error).
  var isExact: Bool { get }
  /// Explains `count` rows (row-major, model feature order), appending one
  /// `Explanation` per row and model output, rows in order, outputs in order.
  ///
  /// `rows` holds exactly `count` rows of the model's features and `rowIndices` one index per
  /// row; conformers check this once per call with `checkExplainInputs`.
  /// - Parameter rowIndices: the data-row index of each row.
  func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]) throws
}

/// A row's random stream: the key every random choice for that row derives from,
/// together with the seed, so that results do not depend on threads, batching or how the
/// input was split into partitions.
public enum RowStream {
  /// The stream of a row known only by its position.
  public static func forRow(_ index: Int) -> UInt64 { UInt64(truncatingIfNeeded: index) }

  /// The stream of a row with an identifier (`--id-column`): FNV-1a over its UTF-8 bytes,
  /// with the top bit set so it never collides with a position stream.
  public static func forID(_ id: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in id.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash | (1 << 63)
  }
}

/// Explainers whose results depend on random choices take each row's stream.
public protocol StochasticExplainer: Explainer {
  /// As `explain(_:count:rowIndices:into:)`, with the random stream of each row given
  /// explicitly (see `RowStream`).
  func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>, streams: ArraySlice<UInt64>,
    into out: inout [Explanation]) throws
}

extension StochasticExplainer {
  /// Rows known only by their position draw from their position's stream.
  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    try explain(rows, count: count, rowIndices: rowIndices, streams: rowIndices.map(RowStream.forRow)[...], into: &out)
  }
}

extension Explainer {
  /// Stops the program unless `rows` holds exactly `count` rows of `featureCount` values and
  /// `rowIndices` (and `streams`, when given) one entry per row: the caller's side of
  /// `explain`, checked once per call at the public entry point.
  /// - Complexity: O(1).
  @inlinable
  public func checkExplainInputs(
    _ rows: UnsafeBufferPointer<Double>, count: Int, featureCount: Int, rowIndices: ArraySlice<Int>,
    streams: ArraySlice<UInt64>? = nil
  ) {
    precondition(count >= 0, "explain: negative row count \(count)")
    precondition(
      rows.count == count * featureCount,
      "explain: \(rows.count) input values are not \(count) rows of \(featureCount) features")
    precondition(rowIndices.count == count, "explain: \(rowIndices.count) row indices for \(count) rows")
    if let streams { precondition(streams.count == count, "explain: \(streams.count) random streams for \(count) rows") }
  }

  /// Explains rows given as an array (convenience for tests and single instances).
  public func explain(_ rows: [Double], featureCount: Int, firstRow: Int = 0) throws -> [Explanation] {
    let n = featureCount == 0 ? 0 : rows.count / featureCount
    var out: [Explanation] = []
    try rows.withUnsafeBufferPointer { p in
      try explain(p, count: n, rowIndices: ArraySlice(firstRow..<(firstRow + n)), into: &out)
    }
    return out
  }
}
