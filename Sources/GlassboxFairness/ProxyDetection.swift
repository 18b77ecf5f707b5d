/// When a feature counts as a proxy for a sensitive attribute.
public struct ProxyCriteria: Sendable, Equatable {
  /// Association needed with a two-group attribute: single-feature AUC (direction-free,
  /// max(AUC, 1 − AUC)) at least this.
  public var minimumAUC: Double
  /// Association needed otherwise (or as an alternative): normalized mutual information
  /// I(X; A) / H(A) at least this.
  public var minimumNormalizedMutualInformation: Double
  /// The feature's share of the attribution gap, |part_j| / Σ|part|, at least this.
  public var minimumGapShare: Double
  /// Quantile bins for numeric features in the mutual information.
  public var bins: Int

  public init(
    minimumAUC: Double = 0.7, minimumNormalizedMutualInformation: Double = 0.1, minimumGapShare: Double = 0.2,
    bins: Int = 10
  ) {
    self.minimumAUC = minimumAUC
    self.minimumNormalizedMutualInformation = minimumNormalizedMutualInformation
    self.minimumGapShare = minimumGapShare
    self.bins = bins
  }
}

/// How strongly one feature is associated with a grouping.
public struct FeatureAssociation: Sendable, Equatable {
  /// The feature (model index).
  public var feature: Int
  /// I(X; A) / H(A) in [0, 1]: the share of the group's entropy the feature explains.
  public var normalizedMutualInformation: Double
  /// With exactly two groups: max(AUC, 1 − AUC) of the feature as a score for group
  /// membership; nil otherwise.
  public var auc: Double?
}

/// Association measures between features and group membership.
public enum Association {
  /// Normalized mutual information between a feature column and group membership.
  ///
  /// Categorical features (and numeric ones with at most `bins` distinct values) use their
  /// values as cells; other numeric features use `bins` quantile bins (equal values share
  /// a bin). Missing values (NaN) form their own cell. Plug-in estimate in nats, divided
  /// by H(A); its upward bias is about (cells − 1)(groups − 1) / (2n · H(A)).
  /// - Complexity: O(n log n).
  public static func normalizedMutualInformation(
    _ values: [Double], membership: [Int32], groupCount: Int, categorical: Bool, bins: Int = 10
  ) -> Double {
    precondition(values.count == membership.count)
    let n = values.count
    guard n > 0, groupCount > 1 else { return 0 }
    let cells = cellIndices(values, categorical: categorical, bins: bins)
    let cellCount = (cells.max() ?? 0) + 1
    var joint = [Int](repeating: 0, count: cellCount * groupCount)
    var cellTotals = [Int](repeating: 0, count: cellCount)
    var groupTotals = [Int](repeating: 0, count: groupCount)
    for r in 0..<n {
      let g = Int(membership[r])
      joint[cells[r] * groupCount + g] += 1
      cellTotals[cells[r]] += 1
      groupTotals[g] += 1
    }
    let total = Double(n)
    var entropy = 0.0
    for c in groupTotals where c > 0 {
      let p = Double(c) / total
      entropy -= p * log(p)
    }
    guard entropy > 0 else { return 0 }
    var information = 0.0
    for x in 0..<cellCount {
      for g in 0..<groupCount {
        let c = joint[x * groupCount + g]
        guard c > 0 else { continue }
        let pxy = Double(c) / total
        information += pxy * log(Double(c) * total / (Double(cellTotals[x]) * Double(groupTotals[g])))
      }
    }
    return min(1, max(0, information / entropy))
  }

  /// The area under the ROC curve of `values` as a score for `positive` (Mann–Whitney U
  /// with tied values counted ½), direction-free: max(AUC, 1 − AUC). Missing values are
  /// left out; NaN when either class is empty.
  /// - Complexity: O(n log n).
  public static func auc(_ values: [Double], positive: [Bool]) -> Double {
    let order = values.indices.filter { !values[$0].isNaN }.sorted { values[$0] < values[$1] }
    var positives = 0.0, negatives = 0.0, rankSum = 0.0
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
      let rank = Double(i + j) / 2 + 1
      for k in i...j where positive[order[k]] { rankSum += rank; positives += 1 }
      negatives += Double(j - i + 1)
      i = j + 1
    }
    negatives -= positives
    guard positives > 0, negatives > 0 else { return .nan }
    let a = (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    return max(a, 1 - a)
  }

  static func cellIndices(_ values: [Double], categorical: Bool, bins: Int) -> [Int] {
    let present = values.filter { !$0.isNaN }.sorted()
    var distinct: [Double] = []
    for v in present where distinct.last != v { distinct.append(v) }
    var edges: [Double]
    if categorical || distinct.count <= bins {
      edges = distinct  // one cell per distinct value: cell = index of the value
    } else {
      edges = []
      for k in 1..<bins {
        let e = present[k * present.count / bins]
        if edges.last != e { edges.append(e) }
      }
    }
    let exact = categorical || distinct.count <= bins
    let missingCell = exact ? distinct.count : edges.count + 1
    return values.map { v in
      if v.isNaN { return missingCell }
      // Number of edges ≤ v (upper bound); exact cells are one below that.
      var lo = 0, hi = edges.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if edges[mid] <= v { lo = mid + 1 } else { hi = mid }
      }
      return exact ? lo - 1 : lo
    }
  }
}

/// A feature's role in a grouping's attribution gap.
public struct ProxyFinding: Sendable, Equatable {
  public var association: FeatureAssociation
  /// |part_j| / Σ|part| in the decomposition of the largest gap against the reference.
  public var gapShare: Double
  /// True when the feature is one of the grouping's sensitive attributes itself.
  public var isSensitive: Bool
  /// Associated with the attribute and carrying a large share of the gap (never for the
  /// attribute itself).
  public var isProxy: Bool

  /// Assesses every feature of `inputs` (row-major rows × features).
  /// - Complexity: O(features · rows log rows).
  public static func assess(
    inputs: [Double], featureNames: [String], categorical: [Bool], grouping: Grouping,
    decomposition: GapDecomposition?, criteria: ProxyCriteria
  ) -> [ProxyFinding] {
    let m = featureNames.count
    let n = grouping.rowCount
    precondition(inputs.count == n * m)
    let binary = grouping.count == 2
    let isSecond = binary ? grouping.membership.map { $0 == 1 } : []
    return (0..<m).map { j in
      let column = (0..<n).map { inputs[$0 * m + j] }
      let nmi = Association.normalizedMutualInformation(
        column, membership: grouping.membership, groupCount: grouping.count, categorical: categorical[j],
        bins: criteria.bins)
      let auc = binary ? Association.auc(column, positive: isSecond) : nil
      let association = FeatureAssociation(feature: j, normalizedMutualInformation: nmi, auc: auc)
      let share = decomposition?.share(j) ?? 0
      let sensitive = grouping.attributes.contains(featureNames[j])
      let associated =
        nmi >= criteria.minimumNormalizedMutualInformation || (auc.map { $0 >= criteria.minimumAUC } ?? false)
      return ProxyFinding(
        association: association, gapShare: share, isSensitive: sensitive,
        isProxy: !sensitive && associated && share >= criteria.minimumGapShare)
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
