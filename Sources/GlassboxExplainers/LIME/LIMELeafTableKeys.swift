import GlassboxSystem
import GlassboxModels

// The hash tables of `LIMELeafTableBuilder` (states and terms), and the Gaussian tilt the
// leaf table's terms read.

/// Open addressing with linear probing over a power-of-two table at most half full, from
/// two words to a term number: the walk's state look-up for features whose state fits
/// two words (`LIMELeafTableBuilder`).
struct LIMEFlatStateMap {
  private var keys: [UInt64]
  private var values: [Int32]
  private var count = 0
  private var mask: Int

  /// A map that holds `capacity` pairs without growing.
  init(capacity: Int = 32) {
    var slots = 64
    while slots < 2 * capacity { slots *= 2 }
    keys = [UInt64](repeating: 0, count: 2 * slots)
    values = [Int32](repeating: -1, count: slots)
    mask = slots - 1
  }

  private static func slot(_ a: UInt64, _ b: UInt64, mask: Int) -> Int {
    var h = (a &* 0x9E37_79B9_7F4A_7C15) ^ b
    h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
    return Int(truncatingIfNeeded: h >> 32) & mask
  }

  /// The value stored for (a, b), or −1.
  /// - Complexity: O(1) expected.
  func find(_ a: UInt64, _ b: UInt64) -> Int32 {
    var s = Self.slot(a, b, mask: mask)
    while values[s] >= 0 {
      if keys[2 * s] == a && keys[2 * s + 1] == b { return values[s] }
      s = (s + 1) & mask
    }
    return -1
  }

  /// Stores `value` (≥ 0) for (a, b), which must be absent.
  mutating func insert(_ a: UInt64, _ b: UInt64, _ value: Int32) {
    if 2 * (count + 1) > mask + 1 {
      let oldKeys = keys, oldValues = values
      mask = 2 * (mask + 1) - 1
      keys = [UInt64](repeating: 0, count: 2 * (mask + 1))
      values = [Int32](repeating: -1, count: mask + 1)
      count = 0
      for s in oldValues.indices where oldValues[s] >= 0 { insert(oldKeys[2 * s], oldKeys[2 * s + 1], oldValues[s]) }
    }
    var s = Self.slot(a, b, mask: mask)
    while values[s] >= 0 { s = (s + 1) & mask }
    keys[2 * s] = a
    keys[2 * s + 1] = b
    values[s] = value
    count += 1
  }
}

/// Every feature's distinct term keys (a fixed number of values per feature: a key's masses
/// per level, or a Gaussian feature's interval ends), stored flat in the order they were
/// added, with open addressing over one digest per key (linear probing, a power-of-two
/// table at most half full): the term look-up of `LIMELeafTableBuilder`. Keys are equal when
/// their values are equal as doubles (a zero of either sign digests as +0), as `[Double]`
/// compares them.
struct LIMETermPool {
  /// Per feature: its key length and its number of terms.
  let lengths: [Int]
  private(set) var counts: [Int]
  /// Every key's values (`valueCount` of `valueCapacity`; freed by `deallocate`), and per
  /// key (numbered in the order added) its feature, where its values start and its term
  /// (its number among its feature's keys).
  private var values: UnsafeMutablePointer<Double>
  private var valueCount = 0, valueCapacity: Int
  private var keyFeatures: [Int32] = []
  private var keyStarts: [Int] = []
  private var keyTerms: [Int32] = []
  /// Per slot: the key's digest and its number among all keys (−1: empty).
  private var digests: [UInt64]
  private var slots: [Int32]
  private var mask: Int

  /// A pool that holds `capacity` keys without growing its table.
  init(lengths: [Int], capacity: Int = 32) {
    self.lengths = lengths
    counts = [Int](repeating: 0, count: lengths.count)
    var size = 64
    while size < 2 * capacity { size *= 2 }
    digests = [UInt64](repeating: 0, count: size)
    slots = [Int32](repeating: -1, count: size)
    mask = size - 1
    valueCapacity = max(1, capacity * 8)
    values = .allocate(capacity: valueCapacity)
  }

  private static func digest(_ key: UnsafePointer<Double>, _ length: Int, feature: Int) -> UInt64 {
    var digest = 0x243F_6A88_85A3_08D3 ^ UInt64(feature)
    for i in 0..<length {
      let v = key[i]
      var x = (digest ^ (v == 0 ? 0 : v.bitPattern)) &* 0x9E37_79B9_7F4A_7C15
      x ^= x >> 29
      digest = x
    }
    return digest
  }

  /// The number of feature j's term with key `key` (`lengths[j]` values), added when new.
  /// - Complexity: O(key length) expected.
  mutating func term(_ key: UnsafePointer<Double>, feature j: Int) -> Int32 {
    let length = lengths[j]
    let digest = Self.digest(key, length, feature: j)
    var s = Int(truncatingIfNeeded: digest >> 32) & mask
    while slots[s] >= 0 {
      let number = Int(slots[s])
      if digests[s] == digest && Int(keyFeatures[number]) == j {
        let start = keyStarts[number]
        var equal = true
        for i in 0..<length where values[start + i] != key[i] {
          equal = false
          break
        }
        if equal { return keyTerms[number] }
      }
      s = (s + 1) & mask
    }
    let local = Int32(counts[j])
    counts[j] += 1
    slots[s] = Int32(keyFeatures.count)
    digests[s] = digest
    keyFeatures.append(Int32(j))
    keyStarts.append(valueCount)
    keyTerms.append(local)
    if valueCount + length > valueCapacity {
      valueCapacity = max(2 * valueCapacity, valueCount + length)
      let grown = UnsafeMutablePointer<Double>.allocate(capacity: valueCapacity)
      grown.initialize(from: values, count: valueCount)
      values.deallocate()
      values = grown
    }
    (values + valueCount).initialize(from: key, count: length)
    valueCount += length
    if 2 * keyFeatures.count > mask + 1 { grow() }
    return local
  }

  private mutating func grow() {
    let oldDigests = digests, oldSlots = slots
    mask = 2 * (mask + 1) - 1
    digests = [UInt64](repeating: 0, count: mask + 1)
    slots = [Int32](repeating: -1, count: mask + 1)
    for old in oldSlots.indices where oldSlots[old] >= 0 {
      var s = Int(truncatingIfNeeded: oldDigests[old] >> 32) & mask
      while slots[s] >= 0 { s = (s + 1) & mask }
      digests[s] = oldDigests[old]
      slots[s] = oldSlots[old]
    }
  }

  func deallocate() { values.deallocate() }

  /// Every key grouped by feature (feature j's terms in order from `starts[j]`; one more
  /// element at the end).
  /// - Complexity: O(values).
  func grouped() -> (values: [Double], starts: [Int]) {
    var starts = [0]
    for j in lengths.indices { starts.append(starts[j] + counts[j] * lengths[j]) }
    var next = starts
    let grouped = [Double](unsafeUninitializedCapacity: valueCount) { out, initialized in
      for (number, j) in keyFeatures.enumerated() {
        let j = Int(j)
        (out.baseAddress! + next[j]).initialize(from: values + keyStarts[number], count: lengths[j])
        next[j] += lengths[j]
      }
      initialized = valueCount
    }
    return (grouped, starts)
  }
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
