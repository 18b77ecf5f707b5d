import GlassboxData

/// What every XGBoost model file states before its booster: features, outputs, objective,
/// intercept and the version that wrote it (the same in JSON and UBJSON).
struct XGBoostHeader {
  let featureCount: Int
  /// `num_class` for `multi:*` objectives, `num_target` for multi-target models, else 1.
  let outputCount: Int
  let objective: String
  /// ProbToMargin in float32, as XGBoost computes it.
  let link: @Sendable (Float) -> Float
  let transform: OutputTransform
  let names: [String]
  /// `learner_model_param.base_score` as stored (response space).
  let baseScores: [Double]
  let booster: JSONObject
  let boosterName: String
  /// `version` of the file ("3.4.1"), if stated.
  let version: String?
  /// `learner.feature_types` (`c` marks a categorical feature); empty when not stated.
  let featureTypes: [String]

  /// - Throws: `ModelError` naming the field at fault.
  init(_ root: JSONObject, f: TreeFields) throws {
    let learner = try f.object(root["learner"], "learner")
    let param = try f.object(learner["learner_model_param"], "learner.learner_model_param")
    featureCount = try f.integer(param["num_feature"], "learner_model_param.num_feature", in: 1...100_000_000)
    let numClass = try f.integer(param["num_class"] ?? .string("0"), "learner_model_param.num_class", in: 0...1_000_000)
    let targets = try param["num_target"].map { try f.integer($0, "learner_model_param.num_target", in: 0...1_000_000) } ?? 1
    if numClass > 1 && targets > 1 {
      throw f.invalid("learner_model_param.num_target", "\(targets) targets with num_class \(numClass) (one of them must be 1)")
    }
    outputCount = max(1, numClass, targets)
    let objectiveObject = try f.object(learner["objective"], "learner.objective")
    objective = try f.string(objectiveObject["name"], "learner.objective.name")
    (link, transform) = try XGBoostJSONLoader.objectiveRule(objective, path: f.path)
    try XGBoostJSONLoader.checkOutputGroups(objective: objective, numClass: numClass, f: f)

    var names = try learner["feature_names"].map { try f.strings($0, "learner.feature_names") } ?? []
    if names.isEmpty {
      names = try f.generatedNames(prefix: "f", count: featureCount, field: "learner_model_param.num_feature")
    } else if names.count != featureCount {
      throw f.invalid("learner.feature_names", "\(names.count) names for num_feature \(featureCount)")
    }
    try f.checkNames(names, "learner.feature_names")
    self.names = names
    featureTypes = (learner["feature_types"]?.array ?? []).map { $0.string ?? "" }

    baseScores = try XGBoostJSONLoader.parseBaseScore(param["base_score"], f: f)
    guard baseScores.count == 1 || baseScores.count == outputCount else {
      throw f.invalid("learner_model_param.base_score", "\(baseScores.count) values for \(outputCount) outputs")
    }
    booster = try f.object(learner["gradient_booster"], "learner.gradient_booster")
    boosterName = try f.string(booster["name"], "gradient_booster.name")
    version = root["version"]?.numberArray.flatMap { parts in
      parts.allSatisfy { $0 >= 0 && $0 < 1e6 && $0 == $0.rounded() } && !parts.isEmpty
        ? parts.map { String(Int($0)) }.joined(separator: ".") : nil
    }
  }

  /// The intercept of each output in margin space (ProbToMargin in float32). With
  /// `perOutput` false the first `base_score` serves every output (gblinear's rule).
  /// - Throws: `ModelError.invalid` when a margin is not finite or beyond ±1e30.
  func baseMargins(perOutput: Bool, f: TreeFields) throws -> [Double] {
    let margins = (0..<outputCount).map { k in
      Double(link(Float(baseScores.count == 1 || !perOutput ? baseScores[0] : baseScores[k])))
    }
    if let k = margins.firstIndex(where: { !($0.isFinite && abs($0) <= TreeEnsembleBuilder.float32ValueBound) }) {
      throw f.invalid(
        "learner_model_param.base_score",
        "the base margin of output \(k) is \(margins[k]), not a finite number within ±\(TreeEnsembleBuilder.float32ValueBound)")
    }
    return margins
  }

  /// The facts `inspect` shows about where the model came from.
  func provenance(boosting: String, vectorLeafTrees: Int) -> ModelProvenance {
    var p = ModelProvenance(library: "XGBoost", version: version, boosting: boosting)
    if vectorLeafTrees > 0 { p.notes.append(("vector-leaf trees", "\(vectorLeafTrees), \(outputCount) values per leaf (counted above as one tree per output)")) }
    return p
  }
}
