import GlassboxSystem
import GlassboxModels

// Hash keys of `LIMELeafTable`'s term lookup, and the Gaussian tilt its terms read.

/// The tests one leaf's path makes on one feature, as words (threshold bits; flags, side and
/// category-set start; category-set length), in ascending order so that the same tests in
/// another order give the same signature. Hashing reads one running digest of the words
/// (equality compares them all), which is cheaper than hashing every word.
struct TestSignature: Hashable {
  private(set) var words: [UInt64] = []
  private var digest: UInt64 = 0

  mutating func removeAll() {
    words.removeAll(keepingCapacity: true)
    digest = 0
  }

  /// Adds one test, keeping the words in order.
  mutating func insert(_ test: (UInt64, UInt64, UInt64)) {
    words.append(test.0)
    words.append(test.1)
    words.append(test.2)
    var at = words.count - 3
    while at > 0 && (words[at - 3], words[at - 2], words[at - 1]) > test {
      for d in 0..<3 { words[at + d] = words[at - 3 + d] }
      at -= 3
    }
    (words[at], words[at + 1], words[at + 2]) = test
    // A sum of mixed words, so that the order of insertion does not matter.
    digest &+= Self.mix(test.0) &+ Self.mix(test.1 ^ 0x5555) &+ Self.mix(test.2 ^ 0xAAAA)
  }

  private static func mix(_ word: UInt64) -> UInt64 {
    var x = word &* 0x9E37_79B9_7F4A_7C15
    x ^= x >> 29
    return x &* 0xBF58_476D_1CE4_E5B9
  }

  static func == (a: TestSignature, b: TestSignature) -> Bool { a.words == b.words }
  func hash(into hasher: inout Hasher) { hasher.combine(digest) }
}

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
