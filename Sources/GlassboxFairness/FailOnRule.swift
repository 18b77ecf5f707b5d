import GlassboxSystem

/// A CI gate on a disparity metric: `disparate_impact<0.8` breaches when the metric is
/// below 0.8 in any grouping of the report.
///
/// The point estimate is compared. An undefined metric breaches (the gate cannot show the
/// data pass), with the reason.
public struct FailOnRule: Sendable, Equatable {
  public enum Comparison: String, Sendable, CaseIterable {
    case lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"

    func breaches(_ value: Double, _ limit: Double) -> Bool {
      switch self {
      case .less: value < limit
      case .lessOrEqual: value <= limit
      case .greater: value > limit
      case .greaterOrEqual: value >= limit
      }
    }
  }

  public let metric: DisparityMetric
  public let comparison: Comparison
  public let limit: Double
  /// The rule as written.
  public let text: String

  /// Parses `metric<value`, `metric<=value`, `metric>value` or `metric>=value`.
  /// - Throws: `FairnessError.invalidRule` naming the problem.
  public init(parsing text: String) throws(FairnessError) {
    let compact = String(text.filter { $0 != " " })
    guard let at = compact.firstIndex(where: { $0 == "<" || $0 == ">" }) else {
      throw .invalidRule(rule: text, problem: "no comparison (<, <=, > or >=)")
    }
    let next = compact.index(after: at)
    let orEqual = next < compact.endIndex && compact[next] == "="
    let op: Comparison =
      compact[at] == "<" ? (orEqual ? .lessOrEqual : .less) : (orEqual ? .greaterOrEqual : .greater)
    let name = String(compact[..<at])
    let number = String(compact[(orEqual ? compact.index(after: next) : next)...])
    guard let metric = DisparityMetric(rawValue: name) else {
      throw .invalidRule(
        rule: text,
        problem: "unknown metric '\(name)' (known: \(DisparityMetric.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    guard let limit = Double(number), limit.isFinite else {
      throw .invalidRule(rule: text, problem: "'\(number)' is not a number")
    }
    self.metric = metric
    self.comparison = op
    self.limit = limit
    self.text = text
  }

  /// One grouping's verdict.
  public struct Verdict: Sendable, Equatable {
    public var rule: String
    public var grouping: String
    /// NaN when undefined.
    public var value: Double
    public var breached: Bool
    /// Why the value is undefined, when it is.
    public var reason: String?
  }

  /// The verdict in every grouping of `report`.
  /// - Throws: `FairnessError.invalidRule` when the metric needs labels the report lacks.
  public func evaluate(_ report: BiasReport) throws(FairnessError) -> [Verdict] {
    if metric.needsLabels && !report.hasLabels {
      throw .invalidRule(rule: text, problem: "\(metric.rawValue) needs labels: give \(Parameter.label) COLUMN")
    }
    return report.groupings.map { summary in
      let value = summary.disparities.values[metric] ?? .nan
      let reason = summary.disparities.reasons[metric]
      return Verdict(
        rule: text, grouping: summary.name, value: value,
        breached: value.isNaN || comparison.breaches(value, limit), reason: value.isNaN ? reason : nil)
    }
  }
}

/// Reads binary labels from a label column.
public enum LabelCoding {
  /// Labels as booleans (true = positive).
  ///
  /// The positive value is `positive` when given and present in the column; otherwise a
  /// column of 0/1 (or false/true) values takes 1 (true) as positive.
  /// - Throws: `FairnessError.invalidData` for an empty cell, more than two distinct
  ///   values, or no way to tell the positive value.
  /// - Complexity: O(rows).
  public static func binary(_ cells: [String], positive: String?, column: String, source: String)
    throws(FairnessError) -> (labels: [Bool], positive: String)
  {
    var distinct: [String] = []
    for (r, raw) in cells.enumerated() {
      let cell = trimmed(Substring(raw))
      if cell.isEmpty {
        throw .invalidData(path: source, problem: "data row \(r): the label column '\(column)' is empty")
      }
      if !distinct.contains(cell) {
        distinct.append(cell)
        if distinct.count > 2 {
          throw .invalidData(
            path: source,
            problem: "the label column '\(column)' has more than two values (\(distinct.joined(separator: ", "))); bias metrics need a binary label")
        }
      }
    }
    let chosen: String
    if let positive, distinct.contains(positive) {
      chosen = positive
    } else if distinct.allSatisfy({ ["0", "1", "0.0", "1.0"].contains($0) }) {
      chosen = distinct.first { $0.hasPrefix("1") } ?? "1"
    } else if distinct.allSatisfy({ ["false", "true"].contains($0.lowercased()) }) {
      chosen = distinct.first { $0.lowercased() == "true" } ?? "true"
    } else {
      throw .invalidData(
        path: source,
        problem: "cannot tell which value of '\(column)' is positive (\(distinct.joined(separator: ", ")))\(positive.map { "; '\($0)' does not occur" } ?? ""); give \(Parameter.positiveLabel)")
    }
    let labels = cells.map { trimmed(Substring($0)) == chosen }
    return (labels, chosen)
  }
}
