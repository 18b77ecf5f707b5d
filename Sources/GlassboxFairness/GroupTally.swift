/// The per-group rates a bias summary reports.
public enum Rate: String, CaseIterable, Sendable {
  /// P(ŷ = 1 | group): the share of rows whose score reaches the threshold.
  case selectionRate = "selection_rate"
  /// The mean score (probability for classifiers) of the group.
  case meanScore = "mean_score"
  /// P(y = 1 | group), with labels.
  case baseRate = "base_rate"
  /// TP / (TP + FN), with labels.
  case truePositiveRate = "tpr"
  /// FP / (FP + TN), with labels.
  case falsePositiveRate = "fpr"
  /// FN / (TP + FN), with labels.
  case falseNegativeRate = "fnr"
  /// TP / (TP + FP), with labels.
  case precision = "precision"
  /// (TP + TN) / n, with labels.
  case accuracy = "accuracy"

  /// True for the rates that need labels.
  public var needsLabels: Bool {
    switch self {
    case .selectionRate, .meanScore: false
    default: true
    }
  }
}

/// Counts of one group's outcomes: everything its rates derive from.
///
/// `FN = positives − TP` and `TN = n − positives − FP`.
public struct GroupTally: Sendable, Equatable {
  /// Rows.
  public var n = 0
  /// Rows with score ≥ threshold.
  public var selected = 0
  /// Rows with a positive label.
  public var positives = 0
  /// Positive label and selected.
  public var truePositives = 0
  /// Negative label and selected.
  public var falsePositives = 0
  /// The sum of scores (Neumaier-compensated through `scoreCompensation`).
  public var scoreSum = 0.0
  var scoreCompensation = 0.0

  public init() {}

  /// Adds one row.
  @inline(__always)
  public mutating func add(score: Double, selected isSelected: Bool, positive: Bool) {
    n += 1
    if isSelected { selected += 1 }
    if positive {
      positives += 1
      if isSelected { truePositives += 1 }
    } else if isSelected {
      falsePositives += 1
    }
    let t = scoreSum + score
    if abs(scoreSum) >= abs(score) {
      scoreCompensation += (scoreSum - t) + score
    } else {
      scoreCompensation += (score - t) + scoreSum
    }
    scoreSum = t
  }

  /// Rows with a negative label.
  public var negatives: Int { n - positives }
  /// Negative label and not selected.
  public var trueNegatives: Int { negatives - falsePositives }
  /// Positive label and not selected.
  public var falseNegatives: Int { positives - truePositives }

  /// The value of `rate`; NaN when its denominator is zero (see `undefinedReason`).
  /// - Complexity: O(1).
  public func value(_ rate: Rate) -> Double {
    func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? .nan : Double(a) / Double(b) }
    switch rate {
    case .selectionRate: return ratio(selected, n)
    case .meanScore: return n == 0 ? .nan : (scoreSum + scoreCompensation) / Double(n)
    case .baseRate: return ratio(positives, n)
    case .truePositiveRate: return ratio(truePositives, positives)
    case .falsePositiveRate: return ratio(falsePositives, negatives)
    case .falseNegativeRate: return ratio(falseNegatives, positives)
    case .precision: return ratio(truePositives, selected)
    case .accuracy: return ratio(truePositives + trueNegatives, n)
    }
  }

  /// Why `rate` is undefined for this group, or nil when it is defined.
  public func undefinedReason(_ rate: Rate) -> String? {
    switch rate {
    case .selectionRate, .meanScore, .baseRate, .accuracy: return n == 0 ? "the group is empty" : nil
    case .truePositiveRate, .falseNegativeRate: return positives == 0 ? "no positive labels in the group" : nil
    case .falsePositiveRate: return negatives == 0 ? "no negative labels in the group" : nil
    case .precision: return selected == 0 ? "no row of the group is selected" : nil
    }
  }
}

/// Row outcomes packed for counting: a score and two flags per row.
public struct Outcomes: Sendable {
  /// The score of each row (probability for classifiers).
  public let scores: [Double]
  /// Bit 0: selected (score ≥ threshold); bit 1: positive label.
  public let flags: [UInt8]
  /// True when labels were given.
  public let hasLabels: Bool
  /// The decision threshold.
  public let threshold: Double

  /// - Parameters:
  ///   - scores: one score per row.
  ///   - labels: one label per row (true = positive), or nil.
  ///   - threshold: a row is selected when its score is ≥ `threshold`.
  public init(scores: [Double], labels: [Bool]?, threshold: Double) {
    precondition(labels == nil || labels!.count == scores.count)
    self.scores = scores
    self.threshold = threshold
    self.hasLabels = labels != nil
    var flags = [UInt8](repeating: 0, count: scores.count)
    for r in scores.indices {
      var f: UInt8 = scores[r] >= threshold ? 1 : 0
      if let labels, labels[r] { f |= 2 }
      flags[r] = f
    }
    self.flags = flags
  }

  /// The number of rows.
  public var count: Int { scores.count }

  /// Tallies every group of `grouping`.
  /// - Complexity: O(rows).
  public func tally(_ grouping: Grouping) -> [GroupTally] {
    precondition(grouping.rowCount == count)
    var tallies = [GroupTally](repeating: GroupTally(), count: grouping.count)
    for r in 0..<count {
      let f = flags[r]
      tallies[Int(grouping.membership[r])].add(score: scores[r], selected: f & 1 != 0, positive: f & 2 != 0)
    }
    return tallies
  }
}
