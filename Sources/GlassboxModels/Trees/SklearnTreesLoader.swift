import GlassboxData

/// Reads glassbox-trees JSON (docs/tree-json.md), written by `tools/export_sklearn.py`
/// for scikit-learn decision trees, random forests, extra trees and gradient boosting.
///
/// Inputs are rounded to float32 and `x <= threshold` (double) goes left, as scikit-learn
/// does; NaN follows `missing_left`. `"aggregation": "mean"` divides each output's sum
/// by its number of trees (folded into the tree weights). Covers are
/// `weighted_n_node_samples`; zero covers are replaced by 1e-6 as shap does.
enum SklearnTreesLoader {
  /// - Throws: `ModelError` for unsupported variants and inconsistent content.
  /// - Complexity: O(total nodes).
  static func load(_ root: JSONObject, path: String) throws -> TreeEnsemble {
    let f = TreeFields(path: path)
    let version = try f.integer(root["version"] ?? .number(1), "version")
    guard version == 1 else { throw ModelError.unsupported(path: path, what: "glassbox-trees version \(version)") }
    let names = try f.strings(root["features"], "features")
    guard !names.isEmpty else { throw f.invalid("features", "no features") }
    try f.checkNames(names, "features")
    let k = try f.integer(root["num_outputs"], "num_outputs", in: 1...1_000_000)
    let base = try f.numbers(root["base_margin"], "base_margin")
    guard base.count == k else { throw f.invalid("base_margin", "expected \(k) numbers, found \(base.count)") }
    let bound = TreeEnsembleBuilder.doubleValueBound
    if let i = base.firstIndex(where: { !($0.isFinite && abs($0) <= bound) }) {
      throw f.invalid("base_margin[\(i)]", "\(base[i]) is not a finite number within ±\(bound)")
    }
    let linkName = try f.string(root["link"], "link")
    let transform: OutputTransform
    switch linkName {
    case "identity": transform = .identity
    case "logit": transform = .logistic
    case "softmax": transform = .softmax
    default: throw f.invalid("link", "expected identity, logit or softmax, found '\(linkName)'")
    }
    let aggregation = try f.string(root["aggregation"] ?? .string("sum"), "aggregation")
    guard aggregation == "sum" || aggregation == "mean" else {
      throw f.invalid("aggregation", "expected sum or mean, found '\(aggregation)'")
    }
    var classes: [String]? = nil
    if let c = root["classes"], let list = c.array {
      classes = list.map { v in
        if let s = v.string { return s }
        if let d = v.number { return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }
        if let b = v.bool { return String(b) }
        return v.typeName
      }
    }
    let treeValues = try f.array(root["trees"], "trees")
    guard !treeValues.isEmpty else { throw f.invalid("trees", "no trees") }
    var specs: [TreeSpec] = []
    var perOutput = [Int](repeating: 0, count: k)
    for (t, v) in treeValues.enumerated() {
      let spec = try readTree(v, name: "trees[\(t)]", f: f, outputs: k)
      perOutput[spec.output] += 1
      specs.append(spec)
    }
    var builder = TreeEnsembleBuilder(
      path: path, featureCount: names.count, outputCount: k, strictLess: false, categorySetGoesLeft: false)
    for var spec in specs {
      if aggregation == "mean" { spec.weight /= Double(perOutput[spec.output]) }
      try builder.add(spec)
    }
    let estimator = try root["estimator"].map { try f.string($0, "estimator") } ?? "sklearn"
    return TreeEnsemble(
      featureNames: names, outputCount: k, classNames: classes, transform: transform, library: .sklearn,
      objective: estimator, baseMargins: base, roundsInputToFloat: true, accumulation: .float64,
      responseDivisor: 1, built: builder.built)
  }

  static func readTree(_ value: JSONValue, name: String, f: TreeFields, outputs: Int) throws -> TreeSpec {
    let o = try f.object(value, name)
    var spec = TreeSpec()
    spec.name = name
    spec.output = try f.integer(o["output"] ?? .number(0), "\(name).output", in: 0...(outputs - 1))
    spec.weight = try f.number(o["weight"] ?? .number(1), "\(name).weight")
    spec.left = try f.integers(o["left"], "\(name).left", in: -1...Int(Int32.max))
    spec.right = try f.integers(o["right"], "\(name).right", in: -1...Int(Int32.max))
    let n = spec.left.count
    let features = try f.integers(o["feature"], "\(name).feature", in: -2...Int(Int32.max))
    spec.feature = features.map { max($0, 0) }
    let thresholds = try f.array(o["threshold"], "\(name).threshold")
    spec.threshold = try thresholds.enumerated().map { i, v in
      if let d = v.number { return d }
      switch v.string {
      case "inf": return .infinity
      case "-inf": return -.infinity
      default: throw f.invalid("\(name).threshold[\(i)]", "expected a number, \"inf\" or \"-inf\"")
      }
    }
    spec.defaultLeft = try f.flags(o["missing_left"], "\(name).missing_left")
    spec.value = try f.numbers(o["value"], "\(name).value")
    spec.cover = try f.numbers(o["cover"], "\(name).cover").map { $0 == 0 ? 1e-6 : $0 }
    spec.missing = [TreeEnsemble.MissingRule](repeating: .nanToDefault, count: n)
    for (key, c) in [
      ("right", spec.right.count), ("feature", features.count), ("threshold", spec.threshold.count),
      ("missing_left", spec.defaultLeft.count), ("value", spec.value.count), ("cover", spec.cover.count),
    ] where c != n {
      throw f.invalid("\(name).\(key)", "\(c) entries for \(n) nodes")
    }
    for i in 0..<n where spec.left[i] >= 0 && features[i] < 0 {
      throw f.invalid("\(name).feature[\(i)]", "a split node needs a feature index ≥ 0")
    }
    return spec
  }
}
