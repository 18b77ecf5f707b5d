import Foundation
import GlassboxModels

/// The 8-point endpoint Gauss–Legendre rule of Quadrature-TreeSHAP, built as xgboost 3.3+
/// builds it: Newton iterations on P₈ in double, then the map t = s², s = (x + 1)/2, so
/// that `points[i] = s²` and `weights[i] = 2 · s · w/2`, rounded once to `T`.
///
/// The rule integrates polynomials in t of degree ≤ 7 exactly over [0, 1], so a path with
/// at most 8 distinct features gets its exact Shapley weights (up to rounding); longer
/// paths get an approximation (as xgboost's own values).
struct QuadratureRule<T: BinaryFloatingPoint & SIMDScalar> {
  static var pointCount: Int { 8 }
  let points: SIMD8<T>
  let weights: SIMD8<T>

  init() {
    let n = Self.pointCount
    var points = SIMD8<T>()
    var weights = SIMD8<T>()
    for i in 0..<n {
      var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
      for _ in 0..<64 {
        let pn = Self.legendre(n, x)
        let dx = pn / Self.legendreDerivative(n, x, pn)
        x -= dx
        if abs(dx) < 1e-15 { break }
      }
      let pn = Self.legendre(n, x)
      let dpn = Self.legendreDerivative(n, x, pn)
      let w = 2.0 / ((1.0 - x * x) * dpn * dpn)
      let s = 0.5 * (x + 1.0)
      let halfWeight = 0.5 * w
      points[n - 1 - i] = T(s * s)
      weights[n - 1 - i] = T(2.0 * s * halfWeight)
    }
    self.points = points
    self.weights = weights
  }

  /// P_n(x) by the three-term recurrence.
  private static func legendre(_ n: Int, _ x: Double) -> Double {
    if n == 0 { return 1 }
    var p0 = 1.0
    var p1 = x
    if n == 1 { return p1 }
    for k in 2...n {
      let pk = ((2.0 * Double(k) - 1.0) * x * p1 - (Double(k) - 1.0) * p0) / Double(k)
      p0 = p1
      p1 = pk
    }
    return p1
  }

  private static func legendreDerivative(_ n: Int, _ x: Double, _ pn: Double) -> Double {
    Double(n) * (x * pn - legendre(n - 1, x)) / (x * x - 1.0)
  }
}

/// Quadrature-TreeSHAP (arXiv 2605.04497) for one tree and one row, in xgboost 3.3+'s
/// operation order so that `T == Float` reproduces its `pred_contribs` bit for bit.
///
/// Each feature's Shapley weight is the integral over t ∈ [0, 1] of a product of linear
/// factors `1 + (p_k − 1)·t`, one per distinct path feature, where p_k is the ratio of
/// the row's path probability to the cover fraction; the walk carries that product at the
/// rule's 8 points (`c`), returns each subtree's weighted leaf sum at those points (`h`)
/// and, on the way back over a split, divides the split's own factor out.
///
/// - Complexity: O(N · 8) per tree of N nodes, whatever the depth; no allocation.
struct QuadratureKernel<T: BinaryFloatingPoint & SIMDScalar> {
  let nodes: UnsafePointer<TreeNode>
  let words: UnsafeBufferPointer<UInt32>
  let values: UnsafePointer<T>
  let covers: UnsafePointer<T>
  let rule: QuadratureRule<T>
  /// The prepared input row.
  var x: UnsafePointer<Double>
  /// Per-tree output, one slot per feature.
  let phi: UnsafeMutablePointer<T>
  /// Per feature: the live path probability ratio, or `unseen` off the path. Restored on
  /// return, so it is all `unseen` between trees.
  let pathRatio: UnsafeMutablePointer<T>

  static var unseen: T { -999 }

  /// Adds the contributions of the tree rooted at `root` into `phi`.
  @inline(__always)
  func run(root: Int) {
    if nodes[root].left < 0 { return }
    _ = visit(root, SIMD8(repeating: 1), 1)
  }

  /// xgboost's branch weight: cover fraction, 0.5 under a non-positive parent cover, at
  /// least 1e-12.
  @inline(__always)
  private func branchWeight(_ cover: T, _ parentCover: T) -> T {
    if parentCover <= 0 { return 0.5 }
    let w = cover / parentCover
    return w < T(Float(1e-12)) ? T(Float(1e-12)) : w
  }

  private func visit(_ node: Int, _ c: SIMD8<T>, _ weight: T) -> SIMD8<T> {
    let n = nodes[node]
    if n.left < 0 {
      let scale = weight * values[node]
      return c * scale * rule.weights
    }
    let left = Int(n.left)
    let right = Int(n.right)
    let leftWeight = branchWeight(covers[left], covers[node])
    let rightWeight = branchWeight(covers[right], covers[node])
    let split = Int(n.feature)
    let goesLeft = Int(n.child(x[split], words)) == left
    var h = edge(split, left, leftWeight, goesLeft, c, weight)
    h += edge(split, right, rightWeight, !goesLeft, c, weight)
    return h
  }

  @inline(__always)
  private func edge(_ split: Int, _ child: Int, _ childWeight: T, _ satisfies: Bool, _ c: SIMD8<T>, _ weight: T) -> SIMD8<T> {
    let old = pathRatio[split]
    let seen = old != Self.unseen
    let enter: T = satisfies ? (seen ? old / childWeight : 1 / childWeight) : 0
    var childC = c * (1 + (enter - 1) * rule.points)
    if seen && old - 1 != 0 {
      childC /= 1 + (old - 1) * rule.points
    }
    pathRatio[split] = enter
    let h = visit(child, childC, weight * childWeight)
    phi[split] += delta(h, enter: enter, exit: seen ? old : 1)
    pathRatio[split] = old
    return h
  }

  /// The split's share of the subtree return: Σ_i α·h_i/(1 + α·t_i) for the entering
  /// ratio minus the same for the ratio it replaced, summed point by point in order.
  @inline(__always)
  private func delta(_ h: SIMD8<T>, enter: T, exit: T) -> T {
    var total: T = 0
    if enter != 1 {
      let alpha = enter - 1
      let terms = alpha * h / (1 + alpha * rule.points)
      for i in 0..<8 { total += terms[i] }
    }
    if exit != 1 {
      let alpha = exit - 1
      let terms = alpha * h / (1 + alpha * rule.points)
      for i in 0..<8 { total -= terms[i] }
    }
    return total
  }
}
