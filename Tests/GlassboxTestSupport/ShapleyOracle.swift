/// Exact Shapley values by enumerating every coalition (the textbook definition):
///
/// ```
/// φ_i = Σ_{S ⊆ N∖{i}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {i}) − v(S))
/// ```
///
/// - Parameters:
///   - players: M, at most 12 (the game is evaluated on all 2^M coalitions, once each).
///   - value: the characteristic function; `coalition[i]` is true when player i is in S.
/// - Returns: the M Shapley values. They satisfy efficiency,
///   `Σ φ_i = v(N) − v(∅)`, which callers can assert as well.
/// - Complexity: 2^M calls of `value` plus O(M · 2^M).
public func bruteForceShapley(players m: Int, value: ([Bool]) -> Double) -> [Double] {
  precondition(m >= 0 && m <= 12, "the brute-force oracle handles at most 12 players, got \(m)")
  if m == 0 { return [] }
  let subsets = 1 << m
  var v = [Double](repeating: 0, count: subsets)
  var coalition = [Bool](repeating: false, count: m)
  for mask in 0..<subsets {
    for i in 0..<m { coalition[i] = mask & (1 << i) != 0 }
    v[mask] = value(coalition)
  }
  // weight[s] = s! (M − s − 1)! / M!, computed as a product to avoid large factorials.
  var factorial = [Double](repeating: 1, count: m + 1)
  for k in 1...m { factorial[k] = factorial[k - 1] * Double(k) }
  let weight = (0..<m).map { s in factorial[s] * factorial[m - s - 1] / factorial[m] }
  var phi = [Double](repeating: 0, count: m)
  for mask in 0..<subsets {
    let size = mask.nonzeroBitCount
    for i in 0..<m where mask & (1 << i) == 0 {
      phi[i] += weight[size] * (v[mask | (1 << i)] - v[mask])
    }
  }
  return phi
}

/// The interventional (marginal-expectation) game of a model at an instance:
///
/// ```
/// v(S) = (1/N) Σ_rows f(z),  z_j = x_j for j ∈ S, z_j = row_j otherwise
/// ```
///
/// This is the value function that interventional TreeSHAP, Kernel SHAP with a
/// background set, and exact "independent" explainers estimate, so passing it to
/// `bruteForceShapley` gives their exact answer.
///
/// - Parameters:
///   - f: the model on one input row.
///   - x: the instance explained.
///   - background: N ≥ 1 rows, each with `x.count` values.
public func interventionalValue(
  model f: @escaping ([Double]) -> Double, x: [Double], background: [[Double]]
) -> ([Bool]) -> Double {
  precondition(!background.isEmpty, "the background needs at least one row")
  precondition(background.allSatisfy { $0.count == x.count }, "background rows must have \(x.count) values")
  return { coalition in
    precondition(coalition.count == x.count, "coalition has \(coalition.count) entries, expected \(x.count)")
    var total = 0.0
    var z = x
    for row in background {
      for j in 0..<x.count { z[j] = coalition[j] ? x[j] : row[j] }
      total += f(z)
    }
    return total / Double(background.count)
  }
}
