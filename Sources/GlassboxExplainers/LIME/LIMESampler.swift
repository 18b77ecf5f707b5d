import GlassboxNumerics

/// The perturbed neighbourhood of one instance, as lime's `__data_inverse` builds it with
/// `discretize_continuous=True`.
struct LIMENeighbourhood {
  /// `n × m` row-major model inputs; row 0 is the instance.
  var inputs: [Double]
  /// `n × m` interpretable representation (column-major): 1 where the sample's level
  /// (bin or category) equals the instance's.
  var binary: Matrix
  /// Kernel weight of each sample.
  var weights: [Double]
}

/// Draws neighbourhoods from the training statistics.
///
/// Each feature of each sample (rows 1…n−1) independently takes a level with the
/// background's frequencies; a continuous feature's value is then drawn from the normal
/// with the bin's mean and standard deviation truncated to the bin's bounds (lime's
/// `truncnorm` undiscretization). The interpretable bit is 1 when the level equals the
/// instance's. Distances are Euclidean in that binary space (√ of the number of zeros)
/// and weights `√exp(−d²/w²)`. A Gaussian feature (`LIMEDiscretizer.none`) is drawn
/// standard normal instead and enters the representation and the distance standardized
/// (`sampleGaussian`).
///
/// Missing values: "missing" is one more level. Samples are missing as often as the
/// background is (they reach the model as NaN, and it routes them as it documents). When
/// the instance is missing a feature that the background never misses, "missing" is drawn
/// as often as an average level, `1/(L+1)` for L levels, so that the surrogate sees both
/// states; its condition reads `name is missing`.
struct LIMESampler: Sendable {
  let statistics: LIMETrainingStatistics
  let kernelWidth: Double
  /// Per feature: cumulative level frequencies (last entry 1).
  private let cumulative: [[Double]]

  init(statistics: LIMETrainingStatistics, kernelWidth: Double) {
    self.statistics = statistics
    self.kernelWidth = kernelWidth
    cumulative = statistics.features.map { f in
      var total = 0.0
      var out = f.frequencies.map { total += $0; return total }
      if !out.isEmpty { out[out.count - 1] = 1 }
      return out
    }
  }

  /// The probability of drawing "missing" for feature j given the instance's value.
  func missingProbability(_ j: Int, instanceMissing: Bool) -> Double {
    let f = statistics.features[j]
    if instanceMissing && f.missingFraction == 0 { return 1 / Double(f.levels.count + 1) }
    return f.missingFraction
  }

  /// Feature j's cumulative level frequencies (one per level, the last exactly 1; empty
  /// when the background has no value of j).
  func cumulativeFrequencies(_ j: Int) -> [Double] { cumulative[j] }

  /// The level a uniform w ∈ [0, 1) draws from cumulative frequencies `cdf`: the first whose
  /// cumulative frequency exceeds w (the last level when none does).
  /// - Complexity: O(log L).
  static func level(in cdf: [Double], at w: Double) -> Int {
    var lo = 0, hi = cdf.count - 1
    while lo < hi {
      let mid = (lo + hi) / 2
      if cdf[mid] > w { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }

  /// - Complexity: O(n · m · log L).
  func sample<G: RandomNumberGenerator>(
    instance: ArraySlice<Double>, levels: [Double], samples n: Int, generator: inout G
  ) -> LIMENeighbourhood {
    let m = statistics.features.count
    var inputs = [Double](repeating: 0, count: n * m)
    var binary = Matrix(rows: n, columns: m)
    var squaredDistances = [Double](repeating: 0, count: n)
    for (j, x) in instance.enumerated() { inputs[j] = x }
    for j in 0..<m {
      let f = statistics.features[j]
      if f.isGaussian {
        sampleGaussian(f, column: j, instance: instance[instance.startIndex + j], samples: n, inputs: &inputs,
          binary: &binary, squaredDistances: &squaredDistances, generator: &generator)
        continue
      }
      let target = levels[j]
      let missing = missingProbability(j, instanceMissing: target.isNaN)
      let cdf = cumulative[j]
      binary[0, j] = 1
      for s in 1..<n {
        let u = generator.nextUnitDouble()
        var level = Double.nan
        var value = Double.nan
        if u >= missing {
          level = f.levels[Self.level(in: cdf, at: (u - missing) / (1 - missing))]
          value = f.isCategorical ? level : Self.truncatedNormal(f, bin: Int(level), generator: &generator)
        }
        inputs[s * m + j] = value
        let same = level == target || (level.isNaN && target.isNaN)
        if same {
          binary[s, j] = 1
        } else {
          squaredDistances[s] += 1
        }
      }
    }
    let weights = squaredDistances.map { limeKernel(distance: $0.squareRoot(), width: kernelWidth) }
    return LIMENeighbourhood(inputs: inputs, binary: binary, weights: weights)
  }

  /// Column j of a neighbourhood for a Gaussian feature (lime's `discretize_continuous=False`):
  /// z standard normal, the model input `mean + scale · z`, the surrogate's input z (the
  /// instance's own standardized value in row 0), and `(z − z₀)²` added to the distance.
  private func sampleGaussian<G: RandomNumberGenerator>(
    _ f: LIMETrainingStatistics.Feature, column j: Int, instance x: Double, samples n: Int, inputs: inout [Double],
    binary: inout Matrix, squaredDistances: inout [Double], generator: inout G
  ) {
    let m = statistics.features.count
    let z0 = (x - f.scalerMean) / f.scalerScale
    binary[0, j] = z0
    for s in 1..<n {
      let z = generator.nextGaussian()
      inputs[s * m + j] = f.scalerMean + f.scalerScale * z
      binary[s, j] = z
      squaredDistances[s] += (z - z0) * (z - z0)
    }
  }

  /// A draw from N(mean, sd) truncated to the bin's bounds, by rejection from the normal.
  ///
  /// The bin's mean lies inside its bounds and (Popoviciu) its width is at least twice
  /// its standard deviation, so at least 47% of draws are accepted. A degenerate bin
  /// (lower bound = upper bound) returns that value; lime returns the standardized 0
  /// there, which is a bug for a bound other than the mean. After 64 rejections (only
  /// possible for bins no background value falls in, which are never drawn) the mean,
  /// clamped to the bounds, is returned.
  static func truncatedNormal<G: RandomNumberGenerator>(
    _ f: LIMETrainingStatistics.Feature, bin b: Int, generator: inout G
  ) -> Double {
    let lo = f.binMinimums[b], hi = f.binMaximums[b]
    let mean = f.binMeans[b], sd = f.binStandardDeviations[b]
    let zLo = (lo - mean) / sd, zHi = (hi - mean) / sd
    if zLo == zHi { return lo }
    for _ in 0..<64 {
      let z = generator.nextGaussian()
      if z >= zLo && z <= zHi { return mean + sd * z }
    }
    return min(max(mean, lo), hi)
  }
}
