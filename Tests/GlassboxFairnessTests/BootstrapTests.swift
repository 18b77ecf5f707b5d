import GlassboxFairness
import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// Bootstrap intervals: reproducible for a seed, independent of threads, and covering the
/// truth about as often as they claim.
@Suite("bootstrap intervals")
struct BootstrapTests {
  /// Two groups of Bernoulli decisions with selection rates `p` and `q`.
  static func sample(n: Int, p: Double, q: Double, seed: UInt64) -> (Outcomes, Grouping) {
    var rng = Xoshiro256StarStar(seed: seed)
    var scores: [Double] = [], groups: [String] = [], labels: [Bool] = []
    for r in 0..<n {
      let inA = r % 2 == 0
      scores.append(rng.nextUnitDouble() < (inA ? p : q) ? 0.9 : 0.1)
      labels.append(rng.nextUnitDouble() < 0.5)
      groups.append(inA ? "a" : "b")
    }
    return (Outcomes(scores: scores, labels: labels, threshold: 0.5), Grouping(attributes: ["g"], values: [groups]))
  }

  @Test("same seed, same intervals; any thread count; another seed differs")
  func reproducible() throws {
    let (outcomes, grouping) = Self.sample(n: 400, p: 0.3, q: 0.5, seed: 1)
    let one = BootstrapIntervals(
      outcomes: outcomes, grouping: grouping, reference: 0, configuration: .init(replicates: 300, seed: 7, threads: 1))
    let four = BootstrapIntervals(
      outcomes: outcomes, grouping: grouping, reference: 0, configuration: .init(replicates: 300, seed: 7, threads: 4))
    let other = BootstrapIntervals(
      outcomes: outcomes, grouping: grouping, reference: 0, configuration: .init(replicates: 300, seed: 8, threads: 2))
    for m in DisparityMetric.allCases { #expect(one.interval(m) == four.interval(m)) }
    for rate in Rate.allCases { #expect(one.interval(rate, group: 1) == four.interval(rate, group: 1)) }
    #expect(one.interval(.demographicParityDifference) != other.interval(.demographicParityDifference))
    let i = try #require(one.interval(.selectionRate, group: 0))
    #expect(i.lower < i.upper && i.replicatesUsed == 300)
  }

  @Test("95% intervals cover the true selection rate and DP difference about 95% of the time")
  func coverage() throws {
    let p = 0.3, q = 0.45
    var coveredRate = 0, coveredGap = 0
    let trials = 150
    for t in 0..<trials {
      let (outcomes, grouping) = Self.sample(n: 400, p: p, q: q, seed: UInt64(1000 + t))
      let b = BootstrapIntervals(
        outcomes: outcomes, grouping: grouping, reference: 0, configuration: .init(replicates: 200, seed: UInt64(t), threads: 2))
      let rate = try #require(b.interval(.selectionRate, group: 0))
      if rate.lower <= p && p <= rate.upper { coveredRate += 1 }
      let gap = try #require(b.interval(.demographicParityDifference))
      if gap.lower <= q - p && q - p <= gap.upper { coveredGap += 1 }
    }
    // Binomial(150, 0.95) has mean 142.5 and SD 2.7; percentile intervals for
    // proportions under-cover slightly. The trials are seeded, so the test is
    // deterministic; the band is ~4 SD wide either way.
    #expect((132...149).contains(coveredRate), "rate coverage \(coveredRate)/\(trials)")
    #expect((132...149).contains(coveredGap), "gap coverage \(coveredGap)/\(trials)")
  }

  @Test("an undefined rate has no interval")
  func undefined() {
    let outcomes = Outcomes(scores: [0.9, 0.1, 0.9, 0.2], labels: [false, false, true, false], threshold: 0.5)
    let grouping = Grouping(attributes: ["g"], values: [["a", "a", "b", "b"]])
    let b = BootstrapIntervals(outcomes: outcomes, grouping: grouping, reference: 1, configuration: .init(replicates: 50))
    #expect(b.interval(.truePositiveRate, group: 0) == nil)
    #expect(b.interval(.selectionRate, group: 0) != nil)
  }
}
