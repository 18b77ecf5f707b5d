import GlassboxNumerics

/// A surrogate fitted by `fitLIMESurrogate`: lime's `explain_instance_with_data` result.
public struct LIMESurrogateFit: Sendable, Equatable {
  /// Selected features (columns of the data), by decreasing |weight| (ties keep the
  /// selection's order, as Python's stable sort).
  public var features: [Int]
  /// The weight of each selected feature.
  public var weights: [Double]
  public var intercept: Double
  /// The weighted R² of the surrogate on the samples (sklearn's `score`).
  public var score: Double
  /// The surrogate's prediction at the first sample (the instance).
  public var localPrediction: Double
}

/// lime's similarity kernel: `√(exp(−d²/w²))`, evaluated in that order as lime does.
/// - Complexity: O(1).
@inline(__always)
public func limeKernel(distance d: Double, width w: Double) -> Double {
  expValue(-(d * d) / (w * w)).squareRoot()
}

/// The default kernel width for `m` features: `0.75 · √m`.
public func limeDefaultKernelWidth(features m: Int) -> Double { Double(m).squareRoot() * 0.75 }

/// Fits lime's local surrogate to weighted samples (lime 0.2.0.1
/// `LimeBase.explain_instance_with_data`): selects at most `k` features with `selection`,
/// then fits a weighted ridge (`alpha`, intercept unpenalized) on them through LAPACK.
///
/// Selection modes:
/// - forward selection: K rounds; each adds the feature whose unpenalized weighted least
///   squares fit (with the features already chosen) has the highest R², the first such
///   feature on ties. A dependent feature scores like the fit without it (the same fitted
///   values as sklearn's minimum-norm fallback);
/// - highest weights: ridge α = 0.01 on all features, the K largest |βⱼ·x₀ⱼ|;
/// - lasso path: the last knot of the lasso path of the weighted, centred data with at
///   most K non-zero weights (all features when the path has a single knot);
/// - none: all features; auto: forward selection when K ≤ 6, else highest weights.
///
/// - Parameters:
///   - data: `n × p` samples; row 0 is the instance.
///   - labels: `n` targets.
///   - weights: `n` kernel weights.
/// - Returns: the fit; agrees with lime to rounding (≈1e-12 relative on well-conditioned data).
/// - Throws: `LinearAlgebraError` when the data hold NaN or the weights sum to zero.
/// - Complexity: O(n·p²) for the fits (O(n·K²·p) for forward selection).
public func fitLIMESurrogate(
  data: Matrix, labels: [Double], weights: [Double], features k: Int, selection: LIMEFeatureSelection,
  alpha: Double = 1
) throws(LinearAlgebraError) -> LIMESurrogateFit {
  let used = try selectLIMEFeatures(data: data, labels: labels, weights: weights, features: k, selection: selection)
  let design = columns(data, used)
  let fit = try ridgeRegression(design, labels, weights: weights, alpha: alpha)
  var local = fit.intercept
  for (c, j) in used.enumerated() { local += fit.coefficients[c] * data[0, j] }
  let order = used.indices.sorted {
    let a = abs(fit.coefficients[$0]), b = abs(fit.coefficients[$1])
    return a != b ? a > b : $0 < $1
  }
  return LIMESurrogateFit(
    features: order.map { used[$0] }, weights: order.map { fit.coefficients[$0] }, intercept: fit.intercept,
    score: fit.rSquared, localPrediction: local)
}

/// The features `fitLIMESurrogate` would use, in lime's order.
/// - Complexity: see `fitLIMESurrogate`.
public func selectLIMEFeatures(
  data: Matrix, labels: [Double], weights: [Double], features k: Int, selection: LIMEFeatureSelection
) throws(LinearAlgebraError) -> [Int] {
  let p = data.columns
  switch selection {
  case .none:
    return Array(0..<p)
  case .auto:
    return try selectLIMEFeatures(
      data: data, labels: labels, weights: weights, features: k,
      selection: k <= 6 ? .forwardSelection : .highestWeights)
  case .highestWeights:
    let fit = try ridgeRegression(data, labels, weights: weights, alpha: 0.01)
    let scores = (0..<p).map { fit.coefficients[$0] * data[0, $0] }
    let order = (0..<p).sorted {
      let a = abs(scores[$0]), b = abs(scores[$1])
      return a != b ? a > b : $0 < $1
    }
    return Array(order.prefix(k))
  case .forwardSelection:
    return try forwardSelection(data: data, labels: labels, weights: weights, features: k)
  case .lassoPath:
    let n = data.rows
    let total = weights.reduce(0, +)
    var yMean = 0.0
    for i in 0..<n { yMean += weights[i] * labels[i] }
    yMean /= total
    var x = Matrix(rows: n, columns: p)
    for j in 0..<p {
      var mean = 0.0
      for i in 0..<n { mean += weights[i] * data[i, j] }
      mean /= total
      for i in 0..<n { x[i, j] = (data[i, j] - mean) * weights[i].squareRoot() }
    }
    let y = (0..<n).map { (labels[$0] - yMean) * weights[$0].squareRoot() }
    let path = lassoPath(x, y)
    var chosen = Array(0..<p)
    for knot in stride(from: path.count - 1, to: 0, by: -1) {
      chosen = (0..<p).filter { path[knot][$0] != 0 }
      if chosen.count <= k { break }
    }
    return chosen
  }
}

private func forwardSelection(
  data: Matrix, labels: [Double], weights: [Double], features k: Int
) throws(LinearAlgebraError) -> [Int] {
  let p = data.columns
  var used: [Int] = []
  var independent: [Int] = []  // the chosen features that add rank
  var baseScore = try weightedScore(data, [], labels, weights)
  for _ in 0..<min(k, p) {
    var best = 0
    var bestScore = -100_000_000.0
    var bestIndependent = false
    for f in 0..<p where !used.contains(f) {
      var score = baseScore
      var adds = false
      do {
        score = try weightedScore(data, independent + [f], labels, weights)
        adds = true
      } catch .rankDeficient {
        score = baseScore
      }
      if score > bestScore {
        best = f
        bestScore = score
        bestIndependent = adds
      }
    }
    used.append(best)
    if bestIndependent {
      independent.append(best)
      baseScore = bestScore
    }
  }
  return used
}

/// R² of the unpenalized weighted fit on `features` (intercept only when empty).
private func weightedScore(
  _ data: Matrix, _ features: [Int], _ labels: [Double], _ weights: [Double]
) throws(LinearAlgebraError) -> Double {
  if features.isEmpty { return 0 }
  // Centred columns that are (numerically) constant make the system rank deficient.
  return try ridgeRegression(columns(data, features), labels, weights: weights, alpha: 0).rSquared
}

/// The columns `js` of `m`, in that order.
func columns(_ m: Matrix, _ js: [Int]) -> Matrix {
  var out = [Double]()
  out.reserveCapacity(m.rows * js.count)
  for j in js { out.append(contentsOf: m.storage[(j * m.rows)..<((j + 1) * m.rows)]) }
  return Matrix(rows: m.rows, columns: js.count, columnMajor: out)
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) func expValue(_ x: Double) -> Double { Glibc.exp(x) }
#endif
