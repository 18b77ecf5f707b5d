import GlassboxData

/// How a model's raw output (margin) maps to its response.
public enum OutputTransform: Sendable, Equatable {
  /// The margin is the response (regression).
  case identity
  /// Binary classifier: probability = 1 / (1 + e^(−margin)); with several outputs
  /// (one-vs-all, LightGBM `multiclassova`) one sigmoid per output.
  case logistic
  /// Multi-class: probabilities = softmax(margins).
  case softmax
  /// Log-link counts and positive responses: response = e^margin.
  case exponential
  /// Hinge-loss classifier (XGBoost `binary:hinge`): response = 1 when margin > 0, else 0.
  case hinge

  /// Short name used in reports and JSON ("identity", "logit", ...).
  public var linkName: String {
    switch self {
    case .identity: "identity"
    case .logistic: "logit"
    case .softmax: "softmax"
    case .exponential: "log"
    case .hinge: "hinge"
    }
  }

  /// What the margin measures, for report headers.
  public var marginUnit: String {
    switch self {
    case .identity: "raw output"
    case .logistic: "log-odds"
    case .softmax: "class logits"
    case .exponential: "log of the response"
    case .hinge: "raw output (class 1 when positive)"
    }
  }
}

/// A fitted model that maps a batch of input rows to raw outputs (margins).
///
/// Rows are row-major `count × featureCount`; outputs are row-major
/// `count × outputCount`. Missing inputs are NaN; each model documents how it treats them.
public protocol Model: Sendable {
  /// The input features in the model's order.
  var featureNames: [String] { get }
  /// The number of outputs: 1 for regression and binary classification, K for K classes.
  var outputCount: Int { get }
  /// Class names when the model is a classifier and knows them.
  var classNames: [String]? { get }
  /// How margins become responses.
  var transform: OutputTransform { get }
  /// A one-line description ("linear, 13 features, logit link").
  var summary: String { get }
  /// The relative gap |base + Σφ − prediction| / max(1, |prediction|) that an exact
  /// explanation of this model may show from rounding alone: 1e-9 for models computed in
  /// double (the default), about 1e-5 for models whose library sums in float32 (XGBoost).
  var additivityTolerance: Double { get }
  /// Computes raw outputs for `count` rows.
  ///
  /// `rows` holds exactly `count` rows of `featureCount` values (row-major) and `out` has room
  /// for at least `count × outputCount` margins; conformers check this once per call with
  /// `checkMarginBuffers(_:count:into:)`.
  func predictMargins(_ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>)
}

extension Model {
  /// Double arithmetic: exact explanations add up to 1e-9 relative.
  public var additivityTolerance: Double { 1e-9 }

  /// The number of input features.
  public var featureCount: Int { featureNames.count }

  /// Stops the program unless `rows` holds exactly `count` rows of `featureCount` values and
  /// `out` has room for `count × outputCount` margins: the caller's side of
  /// `predictMargins`, checked once per call at the public entry point.
  /// - Complexity: O(1).
  @inlinable
  public func checkMarginBuffers(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(count >= 0, "predictMargins: negative row count \(count)")
    precondition(
      rows.count == count * featureCount,
      "predictMargins: \(rows.count) input values are not \(count) rows of \(featureCount) features")
    precondition(
      out.count >= count * outputCount,
      "predictMargins: room for \(out.count) margins, \(count) rows of \(outputCount) outputs need \(count * outputCount)")
  }

  /// Margins of a batch given as an array (convenience for tests and small inputs).
  public func predictMargins(_ rows: [Double]) -> [Double] {
    let n = featureCount == 0 ? 0 : rows.count / featureCount
    var out = [Double](repeating: 0, count: n * outputCount)
    rows.withUnsafeBufferPointer { r in
      out.withUnsafeMutableBufferPointer { o in predictMargins(r, count: n, into: o) }
    }
    return out
  }

  /// Responses (probabilities for classifiers) from the margins of one row.
  public func responses(fromMargins margins: ArraySlice<Double>) -> [Double] {
    switch transform {
    case .identity: return Array(margins)
    case .logistic: return margins.map { 1 / (1 + _exp(-$0)) }
    case .exponential: return margins.map { _exp($0) }
    case .hinge: return margins.map { $0 > 0 ? 1 : 0 }
    case .softmax:
      let top = margins.max() ?? 0
      let e = margins.map { _exp($0 - top) }
      let total = e.reduce(0, +)
      return e.map { $0 / total }
    }
  }
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#endif

/// Models that can list facts about themselves for `glassbox inspect`
/// (e.g. `("trees", "120")`, `("max depth", "6")`).
public protocol DescribableModel: Model {
  /// Ordered facts: key and value as text.
  var facts: [(key: String, value: String)] { get }
}
