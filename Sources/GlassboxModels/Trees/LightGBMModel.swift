/// What the two LightGBM formats (text and dump JSON) share: the header and the rules
/// that turn it and the trees into a `TreeEnsemble`.
///
/// LightGBM works in double: inputs are not rounded, `x <= threshold` goes left, the
/// raw score is the plain sum of the trees (no base score: it is folded into the first
/// trees' leaves). Tree `i` belongs to class `i % num_tree_per_iteration`. Covers are
/// the data counts (`internal_count`/`leaf_count`), which is what LightGBM's own
/// `pred_contrib` weighs by.
struct LightGBMHeader {
  var featureNames: [String] = []
  var featureCount = 0
  var treesPerIteration = 1
  /// `num_class`, when the file states it: LightGBM grows one tree per class and
  /// iteration, so it must equal `treesPerIteration`.
  var classCount: Int?
  var objective = ""
  var averageOutput = false

  /// The output transform of an objective string such as `binary sigmoid:1`.
  /// - Throws: `ModelError.unsupported` for transforms glassbox cannot express.
  static func transform(_ objective: String, path: String) throws -> OutputTransform {
    let tokens = objective.split(separator: " ")
    let name = tokens.first.map(String.init) ?? ""
    var options: [String: String] = [:]
    for t in tokens.dropFirst() {
      let kv = t.split(separator: ":", maxSplits: 1)
      if kv.count == 2 { options[String(kv[0])] = String(kv[1]) }
    }
    func unsupported(_ why: String) -> ModelError {
      .unsupported(path: path, what: "the LightGBM objective '\(objective)' (\(why))")
    }
    switch name {
    case "", "none", "custom", "regression", "regression_l2", "regression_l1", "huber", "fair", "quantile", "mape",
      "lambdarank", "rank_xendcg":
      if options["sqrt"] != nil || tokens.contains("sqrt") { throw unsupported("the sqrt response transform") }
      return .identity
    case "binary", "cross_entropy", "xentropy":
      if let s = options["sigmoid"], let v = Double(s), v != 1 {
        throw unsupported("sigmoid scale \(s); only 1 maps to the logit link")
      }
      return .logistic
    case "multiclass", "softmax":
      return .softmax
    case "multiclassova", "multiclass_ova", "ova", "ovr":
      // One-vs-all: one binary model per class, each class's response its own sigmoid
      // (LightGBM's ConvertOutput); the responses need not add up to 1.
      if let s = options["sigmoid"], let v = Double(s), v != 1 {
        throw unsupported("sigmoid scale \(s); only 1 maps to the logit link")
      }
      return .logistic
    case "poisson", "gamma", "tweedie":
      return .exponential
    default:
      throw unsupported("its output transform has no glassbox equivalent")
    }
  }

  /// Builds the ensemble from validated header fields and trees (in file order).
  func ensemble(trees: [TreeSpec], path: String) throws -> TreeEnsemble {
    let transform = try Self.transform(objective, path: path)
    let k = treesPerIteration
    if let classCount, classCount != k {
      throw ModelError.invalid(
        path: path, field: "num_class", problem: "num_class \(classCount) but num_tree_per_iteration \(k) (they must agree)")
    }
    if transform == .softmax && k < 2 {
      throw ModelError.invalid(path: path, field: "num_tree_per_iteration", problem: "a multiclass model needs at least 2")
    }
    guard trees.count % k == 0 else {
      throw ModelError.invalid(
        path: path, field: "trees", problem: "\(trees.count) trees is not a multiple of num_tree_per_iteration \(k)")
    }
    var builder = TreeEnsembleBuilder(
      path: path, featureCount: featureCount, outputCount: k, strictLess: false, categorySetGoesLeft: true)
    for (i, var tree) in trees.enumerated() {
      tree.output = i % k
      try builder.add(tree)
    }
    let iterations = trees.count / k
    return TreeEnsemble(
      featureNames: featureNames, outputCount: k, classNames: nil, transform: transform, library: .lightgbm,
      objective: objective, baseMargins: [Double](repeating: 0, count: k), roundsInputToFloat: false,
      accumulation: .float64, responseDivisor: averageOutput && iterations > 0 ? Double(iterations) : 1,
      built: builder.built)
  }

  /// The missing rule of a LightGBM `missing_type`.
  static func missingRule(_ type: Int) -> TreeEnsemble.MissingRule {
    switch type {
    case 1: .zeroOrNaNToDefault
    case 2: .nanToDefault
    default: .nanAsZero
    }
  }
}
