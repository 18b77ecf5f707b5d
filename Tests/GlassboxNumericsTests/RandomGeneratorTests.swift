import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// An independent transcription of xoshiro256** (Blackman & Vigna, xoshiro256starstar.c)
/// with its state exposed, to check the library's generator and its seeding.
private struct ReferenceXoshiro {
  var s: [UInt64]
  static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
  mutating func next() -> UInt64 {
    let result = Self.rotl(s[1] &* 5, 7) &* 9
    let t = s[1] << 17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = Self.rotl(s[3], 45)
    return result
  }
}

/// A generator that returns fixed words, to probe the conversions at their edges.
private struct FixedGenerator: RandomNumberGenerator {
  var words: [UInt64]
  var k = 0
  init(_ words: [UInt64]) { self.words = words }
  mutating func next() -> UInt64 {
    defer { k = (k + 1) % words.count }
    return words[k]
  }
}

@Suite("Random generators")
struct RandomGeneratorTests {
  @Test func splitMixReferenceOutputs() {
    var zero = SplitMix64(seed: 0)
    #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    var g = SplitMix64(seed: 1_234_567)
    #expect(g.next() == 6_457_827_717_110_365_317)
    #expect(g.next() == 3_203_168_211_198_807_973)
  }

  @Test func referenceTranscriptionMatchesHandComputation() {
    // From state (1, 2, 3, 4):
    // out₁ = rotl(2·5, 7)·9 = 1280·9 = 11520; the state becomes
    //   (7, 0, 2 ^ (2 << 17) = 262146, rotl(6, 45)).
    // out₂ = rotl(0·5, 7)·9 = 0; the state becomes (7 ^ (6 << 45), 262149, 262149, rotl(6, 26)).
    // out₃ = rotl(262149·5, 7)·9 = (1310745 << 7)·9 = 1509978240.
    var r = ReferenceXoshiro(s: [1, 2, 3, 4])
    #expect(r.next() == 11520)
    #expect(r.next() == 0)
    #expect(r.next() == 1_509_978_240)
    // The fourth output as published with the reference test vectors.
    #expect(r.next() == 1_215_971_899_390_074_240)
  }

  @Test(arguments: [0 as UInt64, 1, 42, 0xDEAD_BEEF, UInt64.max])
  func xoshiroIsSeededFromSplitMixAndFollowsTheReference(seed: UInt64) {
    var mixer = SplitMix64(seed: seed)
    var reference = ReferenceXoshiro(s: [mixer.next(), mixer.next(), mixer.next(), mixer.next()])
    var g = Xoshiro256StarStar(seed: seed)
    for k in 0..<1000 {
      let (a, b) = (g.next(), reference.next())
      if a != b {
        Issue.record("seed \(seed), output \(k): \(a) != \(b)")
        return
      }
    }
  }

  @Test func determinism() {
    var a = Xoshiro256StarStar(seed: 77)
    var b = Xoshiro256StarStar(seed: 77)
    var c = Xoshiro256StarStar(seed: 78)
    let first = (0..<100).map { _ in a.next() }
    #expect(first == (0..<100).map { _ in b.next() })
    #expect(first != (0..<100).map { _ in c.next() })
    // The generators are values: a copy continues the same sequence.
    var d = a
    #expect(d.next() == a.next())
  }

  @Test func streamsAreReproducibleAndDistinct() {
    func firstOutputs(seed: UInt64, stream: UInt64, count: Int = 8) -> [UInt64] {
      var g = Xoshiro256StarStar(seed: seed, stream: stream)
      return (0..<count).map { _ in g.next() }
    }
    #expect(firstOutputs(seed: 3, stream: 17) == firstOutputs(seed: 3, stream: 17))
    var seen = Set<[UInt64]>()
    for stream in 0..<200 as Range<UInt64> { seen.insert(firstOutputs(seed: 3, stream: stream)) }
    #expect(seen.count == 200)
    #expect(firstOutputs(seed: 3, stream: 1) != firstOutputs(seed: 4, stream: 1))
    var plain = Xoshiro256StarStar(seed: 3)
    #expect(firstOutputs(seed: 3, stream: 0) != (0..<8).map { _ in plain.next() })
  }

  @Test func adjacentStreamsLookIndependent() {
    // Bits of streams k and k+1 agree with probability 1/2 when independent:
    // n = 2000·64 bit pairs, mean n/2, sd √n/2 ≈ 179; allow 5 sd.
    var a = Xoshiro256StarStar(seed: 11, stream: 5)
    var b = Xoshiro256StarStar(seed: 11, stream: 6)
    var agree = 0
    for _ in 0..<2000 { agree += 64 - (a.next() ^ b.next()).nonzeroBitCount }
    let n = 2000.0 * 64
    #expect(abs(Double(agree) - n / 2) < 5 * n.squareRoot() / 2)
  }

  @Test func unitDoubleEdges() {
    var zero = FixedGenerator([0])
    #expect(zero.nextUnitDouble() == 0)
    var top = FixedGenerator([UInt64.max])
    #expect(top.nextUnitDouble() == 1 - 0x1p-53)
    #expect(top.nextUnitDouble() < 1)
    var smallest = FixedGenerator([1 << 11])
    #expect(smallest.nextUnitDouble() == 0x1p-53)
    var half = FixedGenerator([1 << 63])
    #expect(half.nextUnitDouble() == 0.5)
  }

  @Test func unitDoubleMoments() {
    // U(0,1): mean 1/2, variance 1/12. For n draws the sample mean has sd √(1/12n)
    // and the sample variance sd ≈ √((1/80 − 1/144)/n) = √(1/(180n)); allow 5 sd.
    let n = 200_000
    var g = Xoshiro256StarStar(seed: 123)
    var draws = [Double](repeating: 0, count: n)
    for k in 0..<n {
      let u = g.nextUnitDouble()
      #expect(u >= 0 && u < 1)
      draws[k] = u
    }
    let mean = draws.reduce(0, +) / Double(n)
    let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    #expect(abs(mean - 0.5) < 5 * (1.0 / (12.0 * Double(n))).squareRoot())
    #expect(abs(variance - 1.0 / 12) < 5 * (1.0 / (180.0 * Double(n))).squareRoot())
    // Each tenth of [0, 1) gets n/10 draws, sd √(n·0.1·0.9).
    var bins = [Int](repeating: 0, count: 10)
    for u in draws { bins[Int(u * 10)] += 1 }
    let sd = (Double(n) * 0.09).squareRoot()
    for count in bins { #expect(abs(Double(count) - Double(n) / 10) < 5 * sd) }
  }

  @Test func gaussianMoments() {
    // N(0,1): the sample mean has sd 1/√n, the sample variance sd √(2/n),
    // and P(|z| > 1.96) = 0.05 with sd √(0.05·0.95/n); allow 5 sd.
    let n = 200_000
    var g = Xoshiro256StarStar(seed: 321)
    var sum = 0.0, sumSquares = 0.0, tail = 0
    for _ in 0..<n {
      let z = g.nextGaussian()
      sum += z
      sumSquares += z * z
      if abs(z) > 1.959964 { tail += 1 }
    }
    let mean = sum / Double(n)
    let variance = (sumSquares - Double(n) * mean * mean) / Double(n - 1)
    #expect(abs(mean) < 5 / Double(n).squareRoot())
    #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
    let tailFraction = Double(tail) / Double(n)
    #expect(abs(tailFraction - 0.05) < 5 * (0.05 * 0.95 / Double(n)).squareRoot())
  }

  @Test func gaussianIsDeterministicForAState() {
    var a = Xoshiro256StarStar(seed: 9)
    var b = Xoshiro256StarStar(seed: 9)
    #expect((0..<50).map { _ in a.nextGaussian() } == (0..<50).map { _ in b.nextGaussian() })
  }
}

@Suite("OpenBLAS runtime", .serialized)
struct BLASRuntimeTests {
  @Test func settingOneThread() {
    BLASRuntime.setThreads(1)
    #expect(BLASRuntime.threads == 1)
  }

  @Test func nonPositiveCountsClampToOne() {
    BLASRuntime.setThreads(0)
    #expect(BLASRuntime.threads == 1)
    BLASRuntime.setThreads(-4)
    #expect(BLASRuntime.threads == 1)
  }

  @Test func productsAgreeAcrossThreadCounts() throws {
    defer { BLASRuntime.setThreads(1) }
    var rng = Xoshiro256StarStar(seed: 8)
    let n = 120
    let a = Matrix(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in rng.nextGaussian() })
    let b = Matrix(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in rng.nextGaussian() })
    BLASRuntime.setThreads(2)
    let two = try a.multiplied(by: b)
    BLASRuntime.setThreads(1)
    #expect(BLASRuntime.threads == 1)
    let one = try a.multiplied(by: b)
    expectClose(two.storage, one.storage, rel: 1e-12, abs: 1e-12)
    // Spot-check one entry by hand.
    var c57 = 0.0
    for k in 0..<n { c57 += a[5, k] * b[k, 7] }
    expectClose(one[5, 7], c57, rel: 1e-12, abs: 1e-12)
  }

  @Test func configurationNamesOpenBLAS() {
    #expect(BLASRuntime.configuration.contains("OpenBLAS"))
  }
}
