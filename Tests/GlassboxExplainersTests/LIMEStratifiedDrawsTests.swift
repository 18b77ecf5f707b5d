import GlassboxData
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@testable import GlassboxExplainers

/// The scrambled Halton draws of lime's sampling law shared by the direct estimator's rows
/// (`LIMEStratifiedDraws`).
@Suite("LIME stratified draws")
struct LIMEStratifiedDrawsTests {
  static func adult() throws -> (laws: [LIMEFeatureLaw], sampler: LIMESampler) {
    let loaded = try ModelLoader.load(path: LIMEExactReferenceTests.root + "/models/adult-xgboost.json")
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    let statistics = try LIMETrainingStatistics(
      background: background, schema: loaded.schema, discretizer: .quartile, labels: nil)
    let sampler = LIMESampler(statistics: statistics, kernelWidth: limeDefaultKernelWidth(features: statistics.features.count))
    return (statistics.features.map(LIMEFeatureLaw.init), sampler)
  }

  /// The bases of Adult's 13 features: the first 13 primes.
  static let bases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41]

  /// Twice the sum of n's digits in base b: the most by which the first n points of a
  /// scrambled van der Corput sequence miss n·ℓ in an interval of length ℓ (fewer than 2
  /// in each aligned block of b^k points, one block per unit of each digit).
  static func balance(_ n: Int, base b: Int) -> Double {
    var k = n, sum = 0
    while k > 0 {
      sum += k % b
      k /= b
    }
    return 2 * Double(sum)
  }

  /// The standard normal distribution function, from erfc.
  static func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

  /// The position of x in bin b's truncated normal, `(Φ(z) − Φ(a))/(Φ(b) − Φ(a))`.
  static func position(_ f: LIMETrainingStatistics.Feature, bin b: Int, _ x: Double) -> Double {
    let mean = f.binMeans[b], sd = f.binStandardDeviations[b]
    let a = phi((f.binMinimums[b] - mean) / sd), c = phi((f.binMaximums[b] - mean) / sd)
    return (phi((x - mean) / sd) - a) / (c - a)
  }

  @Test("each level is drawn in its proportion up to the sequence's balance bound, and each draw's level is its value's")
  func levelCounts() throws {
    let (laws, sampler) = try Self.adult()
    let m = laws.count
    var checked = 0, worst = 0.0
    for (n, seed) in [(500, UInt64(1)), (1200, 2), (37, 3)] {
      var generator = Xoshiro256StarStar(seed: seed, stream: 9)
      let draws = LIMEStratifiedDraws.draw(laws: laws, sampler: sampler, count: n, generator: &generator)
      for j in 0..<m {
        let missing = sampler.missingProbability(j, instanceMissing: false)
        let probabilities = laws[j].frequencies.map { $0 * (1 - missing) } + [missing]
        for (l, p) in probabilities.enumerated() {
          let count = (0..<n).filter { draws.levels[j * n + $0] == Int32(l) }.count
          #expect(
            abs(Double(count) - Double(n) * p) < Self.balance(n, base: Self.bases[j]),
            "n \(n), feature \(j), level \(l): \(count) for \(Double(n) * p)")
          worst = max(worst, abs(Double(count) - Double(n) * p))
          checked += 1
        }
        for i in 0..<n where laws[j].levelIndex(of: draws.inputs[i * m + j]) != Int(draws.levels[j * n + i]) {
          Issue.record("n \(n), feature \(j), draw \(i): value \(draws.inputs[i * m + j]), level \(draws.levels[j * n + i])")
        }
      }
    }
    print("LIME stratified draws: largest level count miss \(worst)")
    // Adult: 13 features, 113 levels and 13 "missing" (drawn with probability 0 from
    // complete rows), per run.
    #expect(checked == 3 * 126)
  }

  @Test("the draws of one bin spread over its truncated normal's quantiles (Kolmogorov distance below twice the balance bound over k)")
  func valuesSpread() throws {
    let (laws, sampler) = try Self.adult()
    let m = laws.count, n = 1200
    var generator = Xoshiro256StarStar(seed: 5, stream: 9)
    let draws = LIMEStratifiedDraws.draw(laws: laws, sampler: sampler, count: n, generator: &generator)
    var bins = 0
    for j in 0..<m where !laws[j].feature.isCategorical {
      let f = laws[j].feature
      // Bins whose standard deviation is below 1e-6 of their width (education-num's 9..10,
      // sd 1e-11) put every draw within rounding of one bound: their positions are noise.
      for l in 0..<laws[j].levelCount where laws[j].points[l] == nil {
        let b = Int(f.levels[l])
        if f.binStandardDeviations[b] < 1e-6 * (f.binMaximums[b] - f.binMinimums[b]) { continue }
        let positions = (0..<n).filter { draws.levels[j * n + $0] == Int32(l) }
          .map { Self.position(f, bin: Int(f.levels[l]), draws.inputs[$0 * m + j]) }.sorted()
        let k = Double(positions.count)
        var distance = 0.0
        for (r, v) in positions.enumerated() {
          #expect(v >= -1e-12 && v <= 1 + 1e-12)
          distance = max(distance, abs(v - Double(r) / k), abs(v - Double(r + 1) / k))
        }
        // The bound on the interval below each position and on the bin's count.
        let bound = 2 * Self.balance(n, base: Self.bases[j]) / k
        #expect(k >= 20 && distance < bound, "\(f.name) bin \(l): distance \(distance) over \(k) draws, bound \(bound)")
        // Independent draws exceed 1.36/√k one time in 20 (Kolmogorov–Smirnov); these stay
        // below half of it (at most 0.29 of it on Adult).
        #expect(distance < 0.5 * 1.36 / k.squareRoot(), "\(f.name) bin \(l): distance \(distance) over \(k) draws")
        bins += 1
      }
    }
    // Adult's 13 quartile bins that are not points, less education-num's 9..10.
    #expect(bins == 12)
  }

  @Test("the truncated normal's quantile inverts its distribution function to 1e-12 plus its rounding")
  func quantileInverts() throws {
    let (laws, _) = try Self.adult()
    var checked = 0
    for law in laws where !law.feature.isCategorical {
      let f = law.feature
      for l in 0..<law.levelCount where law.points[l] == nil {
        let b = Int(f.levels[l])
        let sd = f.binStandardDeviations[b], mean = f.binMeans[b]
        let mass = Self.phi((f.binMaximums[b] - mean) / sd) - Self.phi((f.binMinimums[b] - mean) / sd)
        for v in stride(from: 0.0, through: 0.9375, by: 0.0625) {
          let x = LIMEStratifiedDraws.truncatedNormalQuantile(f, bin: b, v)
          // The position's own rounding: x's spacing over sd, times the density's bound.
          let tolerance = 1e-12 + 4 * x.ulp / sd * 0.4 / mass
          #expect(abs(Self.position(f, bin: b, x) - v) <= tolerance, "\(f.name) bin \(b) at \(v): \(x)")
          checked += 1
        }
      }
    }
    // Adult's 13 quartile bins that are not points (age and hours-per-week have 4 and 3,
    // education-num 4, capital gain and loss 1 each); 16 positions each.
    #expect(checked == 13 * 16)
  }

  @Test("the shared draws are a function of the seed: the same seed repeats them bit for bit, another differs")
  func seeded() throws {
    let (laws, sampler) = try Self.adult()
    func draw(_ seed: UInt64) -> [Double] {
      var generator = Xoshiro256StarStar(seed: seed, stream: 9)
      let d = LIMEStratifiedDraws.draw(laws: laws, sampler: sampler, count: 300, generator: &generator)
      return d.inputs.map { $0.isNaN ? -1e300 : $0 } + d.levels.map(Double.init)
    }
    #expect(draw(11) == draw(11))
    #expect(draw(11) != draw(12))
  }
}
