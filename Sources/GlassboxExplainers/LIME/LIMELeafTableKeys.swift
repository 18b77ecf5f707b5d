import GlassboxSystem
import GlassboxModels

// Hash keys of `LIMELeafTable`'s term lookup, and the Gaussian tilt its terms read.

/// The ends of an interval a leaf's tests allow, as a dictionary key: equal when both ends
/// are equal as doubles (a zero of either sign hashes as +0).
struct IntervalKey: Hashable {
  let lower: Double, upper: Double

  static func == (a: IntervalKey, b: IntervalKey) -> Bool { a.lower == b.lower && a.upper == b.upper }
  func hash(into hasher: inout Hasher) {
    hasher.combine(lower == 0 ? 0 : lower.bitPattern)
    hasher.combine(upper == 0 ? 0 : upper.bitPattern)
  }
}

/// A term's key (its masses per level, or a Gaussian feature's interval ends) hashed
/// through one digest of its values, cheaper than hashing every value; equality compares
/// the values as `[Double]` does (a zero of either sign digests as +0).
struct TermKey: Hashable {
  let values: [Double]
  private let digest: UInt64

  init(_ values: [Double]) {
    self.values = values
    var digest: UInt64 = 0x243F_6A88_85A3_08D3
    for v in values {
      var x = (digest ^ (v == 0 ? 0 : v.bitPattern)) &* 0x9E37_79B9_7F4A_7C15
      x ^= x >> 29
      digest = x
    }
    self.digest = digest
  }

  static func == (a: TermKey, b: TermKey) -> Bool { a.values == b.values }
  func hash(into hasher: inout Hasher) { hasher.combine(digest) }
}

/// The kernel-weighted law of a Gaussian feature's standardized value z around one
/// instance (lime's `discretize_continuous=False`): z is standard normal under the sampler,
/// the kernel factor is `exp(−(z − z₀)²/(2w²))`, so under Q z is normal with mean
/// `z₀/(1 + w²)` and variance `w²/(1 + w²)`, and the sampler's mean kernel factor is
/// `√(w²/(1 + w²))·exp(−z₀²/(2(1 + w²)))`.
struct LIMEGaussianTilt: Sendable {
  /// The instance's standardized value z₀.
  var instance: Double
  /// μ_Q and σ_Q.
  var mean: Double, deviation: Double
  /// `E_P[exp(−(z − z₀)²/(2w²))]`.
  var kernelMean: Double
  /// The feature's scaler: raw value = scalerMean + scalerScale · z.
  var scalerMean: Double, scalerScale: Double

  /// - Parameters: x: the instance's raw value; w: the kernel width.
  init(_ feature: LIMETrainingStatistics.Feature, value x: Double, width w: Double) {
    scalerMean = feature.scalerMean
    scalerScale = feature.scalerScale
    instance = (x - scalerMean) / scalerScale
    let spread = 1 + w * w
    mean = instance / spread
    deviation = (w * w / spread).squareRoot()
    kernelMean = deviation * expValue(-instance * instance / (2 * spread))
  }
}
