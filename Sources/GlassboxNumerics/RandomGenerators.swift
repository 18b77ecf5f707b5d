/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator used to seed others.
///
/// Every random choice in glassbox flows from a user seed through this type and
/// `Xoshiro256StarStar`; `SystemRandomNumberGenerator` is never used.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256** (Blackman & Vigna 2018): the generator all stochastic explainers take.
///
/// Period 2²⁵⁶ − 1, passes BigCrush; the state is seeded from SplitMix64 so that any
/// 64-bit seed, including 0, gives a well-mixed state.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
  private var s0, s1, s2, s3: UInt64

  /// A generator for `seed`.
  public init(seed: UInt64) {
    var mixer = SplitMix64(seed: seed)
    s0 = mixer.next()
    s1 = mixer.next()
    s2 = mixer.next()
    s3 = mixer.next()
  }

  /// An independent stream for (`seed`, `stream`), e.g. a row id: results for a row
  /// then do not depend on which thread or process explains it.
  public init(seed: UInt64, stream: UInt64) {
    var mixer = SplitMix64(seed: stream)
    self.init(seed: seed ^ mixer.next())
  }

  @inline(__always)
  static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = Self.rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = Self.rotl(s3, 45)
    return result
  }
}

extension RandomNumberGenerator {
  /// A uniform double in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal variate (Marsaglia's polar method); deterministic for a given state.
  public mutating func nextGaussian() -> Double {
    while true {
      let u = 2 * nextUnitDouble() - 1
      let v = 2 * nextUnitDouble() - 1
      let s = u * u + v * v
      if s > 0 && s < 1 {
        return u * (-2 * _log(s) / s).squareRoot()
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
  @usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
  import Foundation
  @usableFromInline func _log(_ x: Double) -> Double { Foundation.log(x) }
#endif
