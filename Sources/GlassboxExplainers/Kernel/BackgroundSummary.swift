import GlassboxNumerics

/// Smaller backgrounds that stand for a large one (`--background-size K`).
///
/// Kernel SHAP costs one model evaluation per coalition and background row, so a
/// background of thousands of rows is usually summarized first. Every summary keeps the
/// total weight of the original, so weighted means (the base value) stay comparable.
public enum BackgroundSummary {
  /// Merges identical rows (NaN matches NaN) into one row carrying the summed weight;
  /// rows of weight 0 are dropped. The value function `E_b f(x_S, b_S̄)` is unchanged.
  /// - Complexity: O(count · featureCount) expected.
  public static func mergingDuplicates(_ background: Background) -> Background {
    let m = background.featureCount
    var index: [RowKey: Int] = [:]
    var rows: [Double] = []
    var weights: [Double] = []
    for r in 0..<background.count where background.weights[r] > 0 {
      let key = RowKey(values: Array(background.rows[(r * m)..<((r + 1) * m)]))
      if let i = index[key] {
        weights[i] += background.weights[r]
      } else {
        index[key] = weights.count
        rows.append(contentsOf: key.values)
        weights.append(background.weights[r])
      }
    }
    return Background(rows: rows, featureCount: m, weights: weights, source: background.source)
  }

  /// The random stream of `sample` (`BackgroundStream.sample` draws the same numbers).
  static let sampleStream: UInt64 = 0x6B67_7361

  /// Seeded sampling of `count` rows.
  ///
  /// Equal weights: `count` distinct rows drawn uniformly without replacement (like
  /// `shap.sample`). Unequal weights: `count` draws with replacement, with probability
  /// proportional to weight, identical draws merged. Either way each kept draw carries
  /// `total weight / count`, so the weighted mean is unbiased and the total is kept.
  /// Returns the background unchanged when it has at most `count` rows.
  /// - Complexity: O(rows · featureCount) plus O(count · log rows).
  public static func sample(_ background: Background, count: Int, seed: UInt64) -> Background {
    precondition(count > 0, "a sample needs at least one row")
    let n = background.count
    if n <= count { return background }
    let m = background.featureCount
    let total = background.weights.reduce(0, +)
    var rng = Xoshiro256StarStar(seed: seed, stream: sampleStream)
    var picks: [Int]
    if background.weights.allSatisfy({ $0 == background.weights[0] }) {
      var order = Array(0..<n)
      for i in 0..<count {
        let j = i + Int(rng.next() % UInt64(n - i))
        order.swapAt(i, j)
      }
      picks = Array(order[0..<count]).sorted()
    } else {
      var cumulative = [Double](repeating: 0, count: n)
      var running = 0.0
      for r in 0..<n {
        running += max(0, background.weights[r])
        cumulative[r] = running
      }
      picks = (0..<count).map { _ in
        let u = rng.nextUnitDouble() * running
        var lo = 0
        var hi = n - 1
        while lo < hi {
          let mid = (lo + hi) / 2
          if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
      }.sorted()
    }
    var rows: [Double] = []
    var weights: [Double] = []
    let share = total / Double(count)
    var previous = -1
    for r in picks {
      if r == previous {
        weights[weights.count - 1] += share
        continue
      }
      rows.append(contentsOf: background.rows[(r * m)..<((r + 1) * m)])
      weights.append(share)
      previous = r
    }
    return Background(rows: rows, featureCount: m, weights: weights, source: background.source)
  }

  /// Weighted k-means with `clusters` centers (like `shap.kmeans`).
  ///
  /// Distances are Euclidean on features standardized by their weighted standard
  /// deviation (shap uses raw units, where a feature in dollars swamps the rest). The
  /// centers start from seeded weighted k-means++ and follow Lloyd's iterations until no
  /// row changes cluster or `maxIterations` is reached. A missing value counts as the
  /// feature's mean for the distance. Each center is then snapped, feature by feature,
  /// to the member value nearest to the weighted member mean (shap's `round_values`),
  /// so categorical codes stay valid codes; a feature missing in more than half of the
  /// members' weight stays missing. Each center carries its members' total weight, so
  /// the weights add up to the original total; empty clusters are dropped.
  /// Returns the background with duplicates merged when it has at most `clusters`
  /// distinct rows.
  /// - Complexity: O(iterations · rows · clusters · featureCount).
  public static func kMeans(
    _ background: Background, clusters: Int, seed: UInt64, maxIterations: Int = 50
  ) -> Background {
    precondition(clusters > 0, "k-means needs at least one cluster")
    let merged = mergingDuplicates(background)
    let n = merged.count
    if n <= clusters { return merged }
    let m = merged.featureCount
    let w = merged.weights
    let means = merged.means
    var scale = [Double](repeating: 1, count: m)
    do {
      var sums = [Double](repeating: 0, count: m)
      var totals = [Double](repeating: 0, count: m)
      for r in 0..<n {
        for j in 0..<m where !merged.rows[r * m + j].isNaN {
          let d = merged.rows[r * m + j] - means[j]
          sums[j] += w[r] * d * d
          totals[j] += w[r]
        }
      }
      for j in 0..<m where totals[j] > 0 && sums[j] > 0 { scale[j] = 1 / (sums[j] / totals[j]).squareRoot() }
    }
    // Standardized, imputed points.
    var points = [Double](repeating: 0, count: n * m)
    for r in 0..<n {
      for j in 0..<m {
        let v = merged.rows[r * m + j]
        points[r * m + j] = v.isNaN || means[j].isNaN ? 0 : (v - means[j]) * scale[j]
      }
    }
    var rng = Xoshiro256StarStar(seed: seed, stream: 0x6B6D_6561_6E73)
    var centers = seedPlusPlus(points, weights: w, n: n, m: m, k: clusters, rng: &rng)
    let k = centers.count / m
    var assignment = [Int](repeating: -1, count: n)
    for _ in 0..<maxIterations {
      var changed = false
      for r in 0..<n {
        var best = 0
        var bestDistance = Double.infinity
        for c in 0..<k {
          let d = squaredDistance(points, r, centers, c, m)
          if d < bestDistance {
            bestDistance = d
            best = c
          }
        }
        if assignment[r] != best {
          assignment[r] = best
          changed = true
        }
      }
      if !changed { break }
      var sums = [Double](repeating: 0, count: k * m)
      var totals = [Double](repeating: 0, count: k)
      for r in 0..<n {
        let c = assignment[r]
        totals[c] += w[r]
        for j in 0..<m { sums[c * m + j] += w[r] * points[r * m + j] }
      }
      for c in 0..<k where totals[c] > 0 {
        for j in 0..<m { centers[c * m + j] = sums[c * m + j] / totals[c] }
      }
    }
    return snappedCenters(merged, assignment: assignment, clusters: k)
  }

  /// Weighted k-means++ seeding on standardized points: at most `k` distinct centers.
  private static func seedPlusPlus(
    _ points: [Double], weights: [Double], n: Int, m: Int, k: Int, rng: inout Xoshiro256StarStar
  ) -> [Double] {
    func pick(_ mass: [Double]) -> Int? {
      let total = mass.reduce(0, +)
      guard total > 0 else { return nil }
      let u = rng.nextUnitDouble() * total
      var running = 0.0
      for r in 0..<n {
        running += mass[r]
        if running > u && mass[r] > 0 { return r }
      }
      return mass.lastIndex { $0 > 0 }
    }
    guard let first = pick(weights) else { return [] }
    var centers = Array(points[(first * m)..<((first + 1) * m)])
    var nearest = (0..<n).map { squaredDistance(points, $0, centers, 0, m) }
    while centers.count / m < k {
      guard let next = pick((0..<n).map { weights[$0] * nearest[$0] }) else { break }
      let c = centers.count / m
      centers.append(contentsOf: points[(next * m)..<((next + 1) * m)])
      for r in 0..<n { nearest[r] = min(nearest[r], squaredDistance(points, r, centers, c, m)) }
    }
    return centers
  }

  @inline(__always)
  private static func squaredDistance(_ a: [Double], _ i: Int, _ b: [Double], _ c: Int, _ m: Int) -> Double {
    var d = 0.0
    for j in 0..<m {
      let t = a[i * m + j] - b[c * m + j]
      d += t * t
    }
    return d
  }

  /// Centers in original units, snapped to member values, weighted by member weight.
  private static func snappedCenters(_ bg: Background, assignment: [Int], clusters k: Int) -> Background {
    let m = bg.featureCount
    var rows: [Double] = []
    var weights: [Double] = []
    var members = [[Int]](repeating: [], count: k)
    for (r, c) in assignment.enumerated() where c >= 0 { members[c].append(r) }
    for c in 0..<k where !members[c].isEmpty {
      let total = members[c].reduce(0) { $0 + bg.weights[$1] }
      for j in 0..<m {
        var sum = 0.0
        var present = 0.0
        for r in members[c] where !bg.rows[r * m + j].isNaN {
          sum += bg.weights[r] * bg.rows[r * m + j]
          present += bg.weights[r]
        }
        if present * 2 < total || present == 0 {
          rows.append(.nan)
          continue
        }
        let mean = sum / present
        var best = Double.nan
        for r in members[c] {
          let v = bg.rows[r * m + j]
          if !v.isNaN && (best.isNaN || abs(v - mean) < abs(best - mean)) { best = v }
        }
        rows.append(best)
      }
      weights.append(total)
    }
    return Background(rows: rows, featureCount: m, weights: weights, source: bg.source)
  }
}

/// A row as a hashable key (bit patterns, so NaN matches NaN and −0 differs from 0).
struct RowKey: Hashable {
  var values: [Double]
  static func == (a: RowKey, b: RowKey) -> Bool {
    a.values.count == b.values.count
      && zip(a.values, b.values).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
  }
  func hash(into h: inout Hasher) {
    for v in values { h.combine(v.isNaN ? Double.nan.bitPattern : v.bitPattern) }
  }
}
