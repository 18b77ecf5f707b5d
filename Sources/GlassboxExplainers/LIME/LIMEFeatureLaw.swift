/// One feature's law in LIME's neighbourhood, as the exact estimator reads it.
///
/// The sampler (`LIMESampler`) draws a feature's level (bin, category code or "missing")
/// from the background's frequencies, then a continuous bin's value from the normal with
/// the bin's mean and standard deviation truncated to the bin's bounds. Here the levels
/// are numbered `0..<levelCount` as `LIMETrainingStatistics.Feature.levels` (the
/// non-missing levels), and "missing" is level `levelCount`.
///
/// A level is a *point* when its value is fixed: a category code, or a bin whose bounds
/// coincide (the sampler returns the bound). Other levels are truncated normals, whose
/// interval masses and moments come from the normal distribution function (erfc, about
/// 1e-16 relative; 1e-15 absolute on masses).
struct LIMEFeatureLaw: Sendable {
  /// The number of non-missing levels.
  let levelCount: Int
  /// Frequency of each non-missing level among the background's non-missing values.
  let frequencies: [Double]
  /// The value of each point level; nil for a truncated-normal level.
  let points: [Double?]
  /// Per non-missing level (truncated-normal levels only): mean, standard deviation and bounds.
  let means: [Double], deviations: [Double], lows: [Double], highs: [Double]
  /// Per truncated-normal level: the untruncated normal's mass inside the bounds (0 for
  /// point levels), the denominator of `mass`.
  let wholes: [Double]
  /// The background's missing fraction.
  let missingFraction: Double
  /// Feature statistics the law came from (to find an instance's level).
  let feature: LIMETrainingStatistics.Feature

  init(_ f: LIMETrainingStatistics.Feature) {
    feature = f
    levelCount = f.levels.count
    frequencies = f.frequencies
    missingFraction = f.missingFraction
    var points: [Double?] = [], means: [Double] = [], deviations: [Double] = [], lows: [Double] = [],
      highs: [Double] = []
    for level in f.levels {
      if f.isCategorical {
        points.append(level)
        means.append(level)
        deviations.append(0)
        lows.append(level)
        highs.append(level)
        continue
      }
      let b = Int(level)
      let lo = f.binMinimums[b], hi = f.binMaximums[b], mean = f.binMeans[b], sd = f.binStandardDeviations[b]
      // The sampler's test for a degenerate bin (`LIMESampler.truncatedNormal`).
      points.append((lo - mean) / sd == (hi - mean) / sd ? lo : nil)
      means.append(mean)
      deviations.append(sd)
      lows.append(lo)
      highs.append(hi)
    }
    self.points = points
    self.means = means
    self.deviations = deviations
    self.lows = lows
    self.highs = highs
    wholes = f.levels.indices.map { l in
      points[l] != nil ? 0 : standardNormalMass((lows[l] - means[l]) / deviations[l], (highs[l] - means[l]) / deviations[l])
    }
  }

  /// The level of `x`: `levelCount` when missing, nil when the level never occurs in the background.
  func levelIndex(of x: Double) -> Int? {
    if x.isNaN { return levelCount }
    return feature.levels.firstIndex(of: feature.level(of: x))
  }

  /// The probability that the value of continuous level `l` falls in the open interval
  /// `(lower, upper)` (the bounds themselves have probability 0).
  /// - Complexity: O(1).
  func mass(level l: Int, lower: Double, upper: Double) -> Double {
    let mu = means[l], sd = deviations[l]
    let whole = points[l] != nil ? standardNormalMass((lows[l] - mu) / sd, (highs[l] - mu) / sd) : wholes[l]
    return Self.mass(lower: lower, upper: upper, level: (lows[l], highs[l], mu, sd, whole))
  }

  /// A truncated normal's parameters: bounds, the untruncated normal's mean and standard
  /// deviation, and its mass inside the bounds.
  typealias Level = (low: Double, high: Double, mean: Double, deviation: Double, whole: Double)

  /// `mass(level:lower:upper:)` from the level's parameters.
  /// - Complexity: O(1).
  static func mass(lower: Double, upper: Double, level: Level) -> Double {
    let a = max(lower, level.low), b = min(upper, level.high)
    if !(a < b) { return 0 }
    guard level.whole > 0 else { return 0 }
    let mu = level.mean, sd = level.deviation
    return min(1, standardNormalMass((a - mu) / sd, (b - mu) / sd) / level.whole)
  }

  /// Continuous level l's parameters (`Level`).
  func parameters(level l: Int) -> Level { (lows[l], highs[l], means[l], deviations[l], wholes[l]) }

  /// The first two moments `E[x]`, `E[x²]` of non-missing level `l`.
  /// - Complexity: O(1).
  func moments(level l: Int) -> (mean: Double, square: Double) {
    if let v = points[l] { return (v, v * v) }
    let mu = means[l], sd = deviations[l]
    let alpha = (lows[l] - mu) / sd, beta = (highs[l] - mu) / sd
    let z = standardNormalMass(alpha, beta)
    let pa = standardNormalDensity(alpha), pb = standardNormalDensity(beta)
    let shift = (pa - pb) / z
    let variance = sd * sd * max(0, 1 + (alpha * pa - beta * pb) / z - shift * shift)
    let mean = min(max(mu + sd * shift, lows[l]), highs[l])
    return (mean, variance + mean * mean)
  }
}

/// How one feature's match bit is tilted by LIME's kernel around one instance.
///
/// The kernel `√exp(−d²/w²) = Π_j c^(1−z_j)` with `c = exp(−1/(2w²))` factorizes over
/// features, so the kernel-weighted law Q keeps the features independent; feature j
/// matches the instance's level with probability `tilted = p/(p + (1 − p)·c)`, where p is
/// the sampler's probability of the instance's level.
struct LIMETilt: Sendable {
  /// The instance's level (`levelCount` when missing), or nil when the level never occurs.
  var level: Int?
  /// The sampler's probability of "missing".
  var missing: Double
  /// The sampler's probability of the instance's level, p.
  var match: Double
  /// The kernel-weighted probability of the instance's level.
  var tilted: Double
  /// The sampler's mean kernel factor of this feature, `p + (1 − p)·c`.
  var kernelMean: Double

  /// The tilt of `law` for an instance at `level` (`levelCount`: missing; nil: a level the
  /// background never has), with the sampler's missing probability `missing` and the
  /// per-mismatch kernel factor `c`.
  init(_ law: LIMEFeatureLaw, level: Int?, missing: Double, mismatch c: Double) {
    self.level = level
    self.missing = missing
    var p = 0.0
    if let level { p = level == law.levelCount ? missing : (1 - missing) * law.frequencies[level] }
    match = p
    kernelMean = p + (1 - p) * c
    tilted = p >= 1 ? 1 : p / kernelMean
  }

  /// The instance slot of a level: the level itself (`levelCount` when missing), or
  /// `levelCount + 1` for a level the background never has.
  static func slot(_ law: LIMEFeatureLaw, level: Int?) -> Int { level ?? law.levelCount + 1 }

  /// Masses of one set under the sampler given the match bit: given a match (the set's mass
  /// under the instance's level), given a mismatch (under the other levels, weighted by the
  /// sampler's probabilities), and their mixture under Q.
  /// - Parameters:
  ///   - levelMasses: the set's mass under each non-missing level, then under "missing".
  ///   - total: `Σ frequency · mass` over the non-missing levels.
  /// - Complexity: O(1).
  func masses(_ levelMasses: UnsafeBufferPointer<Double>, total: Double) -> (given: Double, otherwise: Double, mixture: Double) {
    let inside = level.map { levelMasses[$0] } ?? 0
    var outside = 0.0
    if match < 1 {
      let all = (1 - missing) * total + missing * levelMasses[levelMasses.count - 1]
      outside = min(1, max(0, (all - match * inside) / (1 - match)))
    }
    return (inside, outside, tilted * inside + (1 - tilted) * outside)
  }
}

/// `P(a < Z < b)` for a standard normal Z, without cancellation in either tail.
/// - Complexity: O(1); about 1e-16 relative.
func standardNormalMass(_ a: Double, _ b: Double) -> Double {
  if !(a < b) { return 0 }
  let s = 0.7071067811865476
  if a >= 0 { return 0.5 * (erfcValue(a * s) - erfcValue(b * s)) }
  if b <= 0 { return 0.5 * (erfcValue(-b * s) - erfcValue(-a * s)) }
  return 1 - 0.5 * erfcValue(-a * s) - 0.5 * erfcValue(b * s)
}

/// The standard normal density (0 at ±∞).
func standardNormalDensity(_ z: Double) -> Double {
  z.isInfinite ? 0 : 0.3989422804014327 * expValue(-0.5 * z * z)
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) func erfcValue(_ x: Double) -> Double { Glibc.erfc(x) }
#endif
