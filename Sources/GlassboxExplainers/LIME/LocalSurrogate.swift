/// LIME's payload: the local surrogate fitted around an instance, carried by each LIME
/// explanation (`Explanation.payload`); `attributions` then holds the surrogate's weights
/// for the selected features and 0 for the others.

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
  /// How the surrogate was estimated (nil when not stated).
  public var estimate: SurrogateEstimate?

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

/// How a LIME surrogate was estimated.
public enum SurrogateEstimate: Sendable, Equatable {
  /// lime's estimator: a weighted fit on perturbed samples, with this many model
  /// evaluations (the instance included).
  case sampled(evaluations: Int)
  /// The exact expected surrogate of a `samples`-sample lime run (nil: the infinite-sample
  /// limit), computed without sampling; it does not depend on the seed.
  /// `scoreIsEstimated`: the score's residual part was estimated from fixed draws.
  case exact(samples: Int?, scoreIsEstimated: Bool)
  /// The infinite-sample surrogate estimated from this many draws of the kernel-weighted
  /// law (`LIMEEstimator.direct`); the explanation carries the slopes' standard errors.
  case direct(evaluations: Int)

  /// True for the exact estimator.
  public var isExact: Bool {
    if case .exact = self { return true }
    return false
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

extension LocalSurrogate: ExplanationPayload {
  /// A surrogate's weights describe a local linear fit; they do not add up to the prediction.
  public var isAdditive: Bool { false }
}

extension Explanation {
  /// The LIME surrogate this explanation carries, if any.
  public var surrogate: LocalSurrogate? {
    get { payload as? LocalSurrogate }
    set { payload = newValue }
  }
}
