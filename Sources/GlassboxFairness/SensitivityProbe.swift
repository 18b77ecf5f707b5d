import GlassboxSystem
import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// Per-prediction checks of sensitive features: how much of an explanation rests on
/// them, and whether the decision changes when a sensitive attribute takes another group.
///
/// The decision is `score ≥ threshold` for single-output models (the score is the
/// probability for logistic models, the response otherwise) and the most probable class
/// for softmax models.
public struct SensitivityProbe: Sendable {
  public let model: any Model
  public let schema: FeatureSchema
  /// Model indices of the sensitive features.
  public let sensitiveFeatures: [Int]
  /// The decision threshold of single-output models.
  public let threshold: Double

  /// - Parameters:
  ///   - sensitive: feature names; nil takes the features the card marks `sensitive`.
  ///   - threshold: the decision threshold on the score.
  /// - Throws: `FairnessError.invalidSetting` for a name that is not a model feature.
  public init(model: any Model, schema: FeatureSchema, sensitive: [String]? = nil, threshold: Double = 0.5)
    throws(FairnessError)
  {
    var indices: [Int] = []
    if let sensitive {
      for name in sensitive {
        guard let j = schema.names.firstIndex(of: name) else {
          throw .invalidSetting(
            parameter: .sensitive,
            problem: "the model has no feature '\(name)' (it has \(schema.names.joined(separator: ", ")))")
        }
        if !indices.contains(j) { indices.append(j) }
      }
    } else {
      indices = schema.features.indices.filter { schema.features[$0].sensitive }
    }
    self.model = model
    self.schema = schema
    self.sensitiveFeatures = indices
    self.threshold = threshold
  }

  /// True when there is something to check.
  public var isActive: Bool { !sensitiveFeatures.isEmpty }

  /// Checks one explained row.
  ///
  /// Every categorical sensitive feature is set, one at a time, to each other label the
  /// card lists; numeric sensitive features count in the share but are not probed.
  /// - Parameters:
  ///   - row: the encoded input (model feature order).
  ///   - explanation: its explanation (any output of the model).
  /// - Complexity: O(Σ labels) predictions of one row, plus O(features).
  public func probe(row: [Double], explanation: Explanation) -> SensitivityCheck {
    precondition(row.count == schema.count)
    let total = explanation.attributions.reduce(0) { $0 + abs($1) }
    let shares = sensitiveFeatures.map { j in
      SensitivityCheck.FeatureShare(
        feature: j, name: schema.names[j], share: total > 0 ? abs(explanation.attributions[j]) / total : 0)
    }
    var variants: [(feature: Int, code: Double, label: String)] = []
    var notes: [String] = []
    for j in sensitiveFeatures {
      guard case .categorical(let labels) = schema.features[j].kind else {
        notes.append("\(schema.names[j]) is numeric: not probed")
        continue
      }
      for (label, code) in labels where !(code == row[j]) { variants.append((j, code, label)) }
    }
    var rows = row
    for v in variants {
      var changed = row
      changed[v.feature] = v.code
      rows.append(contentsOf: changed)
    }
    let k = model.outputCount
    let margins = model.predictMargins(rows)
    let output = explanation.output ?? 0
    func outcome(_ r: Int) -> (score: Double, decision: Int) {
      let responses = model.responses(fromMargins: margins[(r * k)..<((r + 1) * k)])
      if model.transform == .softmax {
        let best = responses.indices.max { responses[$0] < responses[$1] } ?? 0
        return (responses[output], best)
      }
      return (responses[output], responses[output] >= threshold ? 1 : 0)
    }
    let original = outcome(0)
    let counterfactuals = variants.enumerated().map { index, v in
      let o = outcome(index + 1)
      return SensitivityCheck.Counterfactual(
        feature: v.feature, name: schema.names[v.feature],
        from: schema.features[v.feature].label(for: row[v.feature]) ?? (row[v.feature].isNaN ? "missing" : "\(row[v.feature])"),
        to: v.label, score: o.score, decision: o.decision, flipped: o.decision != original.decision)
    }
    return SensitivityCheck(
      row: explanation.row, output: explanation.output,
      sensitiveShare: shares.reduce(0) { $0 + $1.share }, shares: shares, score: original.score,
      decision: original.decision, counterfactuals: counterfactuals, notes: notes)
  }
}

/// The result of `SensitivityProbe.probe`.
public struct SensitivityCheck: Sendable, Equatable {
  /// One sensitive feature's share of total |attribution|.
  public struct FeatureShare: Sendable, Equatable {
    public var feature: Int
    public var name: String
    public var share: Double

    public init(feature: Int, name: String, share: Double) {
      self.feature = feature
      self.name = name
      self.share = share
    }
  }

  /// The prediction with one sensitive feature set to another group.
  public struct Counterfactual: Sendable, Equatable {
    public var feature: Int
    public var name: String
    /// The row's own label.
    public var from: String
    /// The label substituted.
    public var to: String
    /// The score with the substitution.
    public var score: Double
    /// The decision with the substitution (1/0, or the class for softmax models).
    public var decision: Int
    /// The decision differs from the row's own.
    public var flipped: Bool

    public init(feature: Int, name: String, from: String, to: String, score: Double, decision: Int, flipped: Bool) {
      self.feature = feature
      self.name = name
      self.from = from
      self.to = to
      self.score = score
      self.decision = decision
      self.flipped = flipped
    }
  }

  /// The explained row.
  public var row: Int
  /// The explained output, nil for single-output models.
  public var output: Int?
  /// Σ over sensitive features of |φ_j|, divided by Σ_j |φ_j| (0 when all φ are 0).
  public var sensitiveShare: Double
  public var shares: [FeatureShare]
  /// The row's own score and decision.
  public var score: Double
  public var decision: Int
  public var counterfactuals: [Counterfactual]
  /// Features that were not probed, and why.
  public var notes: [String]

  public init(
    row: Int, output: Int?, sensitiveShare: Double, shares: [FeatureShare], score: Double, decision: Int,
    counterfactuals: [Counterfactual], notes: [String]
  ) {
    self.row = row
    self.output = output
    self.sensitiveShare = sensitiveShare
    self.shares = shares
    self.score = score
    self.decision = decision
    self.counterfactuals = counterfactuals
    self.notes = notes
  }

  /// True when some substitution changes the decision.
  public var anyFlip: Bool { counterfactuals.contains { $0.flipped } }
}
