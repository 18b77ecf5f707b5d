import GlassboxData

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
  /// Method-specific content beyond attributions, standard errors and notes (LIME's
  /// fitted surrogate, ...), or nil. Renderers show it through the renderer registered
  /// for its type; the audit trail records whether it leaves the values additive.
  public var payload: (any ExplanationPayload)?

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

  /// True when `baseValue + Σ attributions == prediction` is the method's promise
  /// (Shapley values); false when a payload says the values mean something else.
  public var isAdditive: Bool { payload?.isAdditive ?? true }

  public static func == (a: Explanation, b: Explanation) -> Bool {
    a.row == b.row && a.output == b.output && a.space == b.space && a.prediction == b.prediction
      && a.baseValue == b.baseValue && a.attributions == b.attributions && a.standardErrors == b.standardErrors
      && a.inputs == b.inputs && a.notes == b.notes && a.id == b.id
      && (a.payload.map { p in b.payload.map { p.isEqual(to: $0) } ?? false } ?? (b.payload == nil))
  }

  /// |base + Σφ − prediction| relative to max(1, |prediction|).
  public var additivityGap: Double {
    var sum = baseValue
    for a in attributions { sum += a }
    return abs(sum - prediction) / max(1, abs(prediction))
  }
}

/// Content an explanation method attaches to its explanations beyond attributions
/// (`Explanation.payload`).
///
/// A method with extra output defines one payload type next to its explainer, and one
/// renderer for it in GlassboxReports (`PayloadRenderers`).
public protocol ExplanationPayload: Sendable {
  /// False when the explanation's attributions are not Shapley values that add up to the
  /// prediction (a local surrogate's weights).
  var isAdditive: Bool { get }
  /// Equality with another payload (of any type).
  func isEqual(to other: any ExplanationPayload) -> Bool
}

extension ExplanationPayload where Self: Equatable {
  public func isEqual(to other: any ExplanationPayload) -> Bool { (other as? Self) == self }
}

/// Explains batches of rows.
public protocol Explainer: Sendable {
  /// The method's name in outputs ("linear", "tree", "kernel", ...).
  var method: String { get }
  /// True when attributions are exact Shapley values (no sampling error).
  var isExact: Bool { get }
  /// The space its explanations live in (raw margins, or probabilities).
  var outputSpace: OutputSpace { get }
  /// Settings the explainer resolved itself (e.g. which LIME estimator runs), recorded in
  /// audit trails next to the requested parameters; empty by default.
  var recordedSettings: [String: JSONValue] { get }
  /// How many rows a batch should hand to one `explain` call (one block of a batch run):
  /// larger blocks let an explainer share more work between rows (rows grouped per tree)
  /// at the cost of memory and coarser progress; 1,024 by default. `threads` is how many
  /// workers share the batch: an explainer may ask for larger blocks when one worker runs
  /// them all, and must give the same output whatever it asks for.
  func preferredBlockRows(threads: Int) -> Int
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
  public var recordedSettings: [String: JSONValue] { [:] }
  public func preferredBlockRows(threads: Int) -> Int { 1024 }

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

extension Explainer {
  /// Which algorithm the explainer runs and on how much reference data, when the method has
  /// several ("interventional (decision patterns, 32561 background rows)"); nil otherwise.
  public var algorithmNote: String? {
    (self as? InterventionalTreeSHAP)?.algorithmDescription
      ?? (self as? InterventionalInteractionExplainer)?.algorithmDescription
  }
}
