import GlassboxData

/// How LIME bins continuous features into the interpretable representation
/// (lime's `discretizer`).
public enum LIMEDiscretizer: String, Sendable, CaseIterable {
  /// Bin edges at the background's 25th, 50th and 75th percentiles (lime's default).
  case quartile
  /// Bin edges at the 10th, 20th, …, 90th percentiles.
  case decile
  /// Edges are the thresholds of a depth-3 entropy decision tree fitted on the feature
  /// against the training labels (at most 8 bins); needs labels.
  case entropy
  /// No bins (lime's `discretize_continuous=False`): a continuous feature is sampled from
  /// the normal with the background's mean and standard deviation, and enters the
  /// surrogate and the kernel's Euclidean distance standardized.
  case none
}

/// How LIME picks the features of the surrogate (lime's `feature_selection`).
public enum LIMEFeatureSelection: String, Sendable, CaseIterable {
  /// Forward selection when K ≤ 6, highest weights otherwise.
  case auto
  /// Greedily adds the feature that most raises the weighted R² of an unpenalized fit.
  case forwardSelection = "forward_selection"
  /// The K largest |weight| of a ridge fit (α = 0.01) on all features.
  case highestWeights = "highest_weights"
  /// The last knot of the lasso (LARS) path with at most K non-zero weights.
  case lassoPath = "lasso_path"
  /// Every feature; K is ignored.
  case none
}

/// LIME's settings; every default is lime 0.2.0.1's `LimeTabularExplainer` default.
public struct LIMEConfiguration: Sendable, Equatable {
  /// Perturbed samples per explained row, the instance included (`num_samples`).
  public var samples: Int
  /// Features in the explanation, K (`num_features`).
  public var features: Int
  /// The binning of continuous features.
  public var discretizer: LIMEDiscretizer
  /// The kernel width; nil means `0.75 · √M` for M features.
  public var kernelWidth: Double?
  /// How the surrogate's features are chosen.
  public var featureSelection: LIMEFeatureSelection
  /// The surrogate's ridge penalty (lime: `Ridge(alpha=1)`).
  public var ridgeAlpha: Double
  /// The space explained; nil means probabilities for classifiers (lime's
  /// `predict_proba`) and the raw output for every other model.
  public var space: OutputSpace?
  /// The outputs (classes) explained; nil means all of them (the positive-class
  /// probability for a binary classifier, lime's label 1).
  public var outputs: [Int]?
  /// Seed of every random choice; row r draws from the stream (seed, r).
  public var seed: UInt64
  /// Extra runs with derived seeds that measure the explanation's stability (0: none).
  public var stabilityRuns: Int
  /// A run counts as agreeing on a feature's sign when at least this fraction of
  /// re-runs select the feature with the same sign.
  public var stableSignAgreement: Double
  /// An explanation is stable when its mean top-K Jaccard overlap with the re-runs is
  /// at least this, and every selected feature reaches `stableSignAgreement`.
  public var stableJaccard: Double
  /// Training labels, one per background row (class codes, NaN to skip a row); needed by
  /// the entropy discretizer only.
  public var trainingLabels: [Double]?
  /// Rows of one `explain` call explained concurrently (results do not depend on it).
  public var threads: Int
  /// How the surrogate is estimated: exact (closed form, `ExactLIME`), sampled (lime's
  /// way), or auto (exact where the explained output allows it). The exact estimator
  /// computes the expected surrogate of a `samples`-sample run.
  public var estimator: LIMEEstimator
  /// The exact estimator computes the infinite-sample limit (no ridge shrinkage) instead
  /// of the expected surrogate of a `samples`-sample run; needs the exact estimator.
  public var sampleLimit = false

  public init(
    samples: Int = 5000, features: Int = 10, discretizer: LIMEDiscretizer = .quartile,
    kernelWidth: Double? = nil, featureSelection: LIMEFeatureSelection = .auto, ridgeAlpha: Double = 1,
    space: OutputSpace? = nil, outputs: [Int]? = nil, seed: UInt64 = 42, stabilityRuns: Int = 0,
    stableSignAgreement: Double = 0.8, stableJaccard: Double = 0.7, trainingLabels: [Double]? = nil,
    threads: Int = 1, estimator: LIMEEstimator = .auto
  ) {
    self.samples = samples
    self.features = features
    self.discretizer = discretizer
    self.kernelWidth = kernelWidth
    self.featureSelection = featureSelection
    self.ridgeAlpha = ridgeAlpha
    self.space = space
    self.outputs = outputs
    self.seed = seed
    self.stabilityRuns = stabilityRuns
    self.stableSignAgreement = stableSignAgreement
    self.stableJaccard = stableJaccard
    self.trainingLabels = trainingLabels
    self.threads = threads
    self.estimator = estimator
  }
}

extension LIMEConfiguration {
  /// Reads the training labels for the entropy discretizer: column `column` of the CSV at
  /// `path` (the background file, so rows line up with `Background.read`), each distinct
  /// label becoming a class code (its rank in sorted order), missing cells NaN (the row is
  /// then left out of the entropy bins).
  /// - Throws: `DataError` for unreadable input, `ExplainerError.invalidBackground` when the
  ///   column does not exist.
  /// - Complexity: O(rows · log classes).
  public static func readLabels(path: String, column: String) throws -> [Double] {
    let reader = try CSVReader(path: path)
    guard let index = reader.index(of: column) else {
      throw ExplainerError.invalidBackground(path: path, problem: "it has no label column '\(column)'")
    }
    var cells: [String?] = []
    while let block = try reader.nextBlock(maxRecords: 4096) {
      for r in 0..<block.count {
        let missing = block.withField(r, index) { CellParsing.isMissing($0) }
        cells.append(missing ? nil : block.string(r, index).trimmedLabel())
      }
    }
    let codes = Dictionary(uniqueKeysWithValues: Set(cells.compactMap { $0 }).sorted().enumerated().map { ($1, Double($0)) })
    return cells.map { $0.flatMap { codes[$0] } ?? .nan }
  }
}

extension String {
  fileprivate func trimmedLabel() -> String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return String(s)
  }
}
