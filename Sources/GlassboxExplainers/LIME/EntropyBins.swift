/// The bin edges of lime's entropy discretizer: the thresholds of a depth-3 decision tree
/// (criterion entropy) fitted on one feature against class labels, sorted.
///
/// Follows scikit-learn's `DecisionTreeClassifier(criterion="entropy", max_depth=3)`
/// exactly for a single feature: values are rounded to `Float` first (sklearn's float32
/// inputs); a node splits unless it is at depth 3, holds fewer than 2 rows, is pure
/// (entropy ≤ ε) or its values are constant (spread ≤ 1e-7); the split maximizes
/// `−n_L·H_L − n_R·H_R` (H in bits) over the gaps between distinct values, the first
/// (lowest) gap winning ties; the threshold is the gap's midpoint `a/2 + b/2` (or `a`
/// when the midpoint rounds to `b`). With no split at all the edge is the median (lime).
///
/// - Parameters:
///   - values: the feature's non-missing values.
///   - labels: their class labels (any codes).
/// - Returns: ascending, distinct edges (at most 7).
/// - Complexity: O(n log n + n · classes).
public func entropyBinEdges(values: [Double], labels: [Double]) -> [Double] {
  precondition(values.count == labels.count && !values.isEmpty, "one label per value")
  let classes = Array(Set(labels)).sorted()
  var classIndex: [Double: Int] = [:]
  for (k, c) in classes.enumerated() { classIndex[c] = k }
  let order = values.indices.sorted { Float(values[$0]) < Float(values[$1]) }
  let x = order.map { Double(Float(values[$0])) }
  let y = order.map { classIndex[labels[$0]]! }
  var thresholds: [Double] = []
  splitNode(x: x, y: y, classCount: classes.count, start: 0, end: x.count, depth: 0, into: &thresholds)
  if thresholds.isEmpty { return percentiles(values, [50]) }
  var edges: [Double] = []
  for t in thresholds.sorted() where edges.last != t { edges.append(t) }
  return edges
}

private func log2Entropy(_ counts: [Double], _ total: Double) -> Double {
  var h = 0.0
  for c in counts where c > 0 {
    let p = c / total
    h -= p * (_lnValue(p) / _lnValue(2))
  }
  return h
}

private func splitNode(
  x: [Double], y: [Int], classCount: Int, start: Int, end: Int, depth: Int, into thresholds: inout [Double]
) {
  let n = end - start
  if depth >= 3 || n < 2 { return }
  var total = [Double](repeating: 0, count: classCount)
  for i in start..<end { total[y[i]] += 1 }
  if log2Entropy(total, Double(n)) <= Double.ulpOfOne { return }
  if x[end - 1] <= x[start] + 1e-7 { return }
  var left = [Double](repeating: 0, count: classCount)
  var best = -Double.infinity
  var bestPosition = -1
  var bestThreshold = 0.0
  var p = start
  var consumed = start
  while p < end {
    while p + 1 < end && x[p + 1] <= x[p] + 1e-7 { p += 1 }
    p += 1
    if p >= end { break }
    for i in consumed..<p { left[y[i]] += 1 }
    consumed = p
    let nLeft = Double(p - start), nRight = Double(end - p)
    var right = total
    for k in 0..<classCount { right[k] -= left[k] }
    let proxy = -nRight * log2Entropy(right, nRight) - nLeft * log2Entropy(left, nLeft)
    if proxy > best {
      best = proxy
      bestPosition = p
      var t = x[p - 1] / 2.0 + x[p] / 2.0
      if t == x[p] || !t.isFinite { t = x[p - 1] }
      bestThreshold = t
    }
  }
  guard bestPosition > start else { return }
  thresholds.append(bestThreshold)
  splitNode(x: x, y: y, classCount: classCount, start: start, end: bestPosition, depth: depth + 1, into: &thresholds)
  splitNode(x: x, y: y, classCount: classCount, start: bestPosition, end: end, depth: depth + 1, into: &thresholds)
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) func _lnValue(_ x: Double) -> Double { Glibc.log(x) }
#endif
