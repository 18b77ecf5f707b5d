import Testing

@testable import GlassboxReports

@Suite("Summaries of many explanations")
struct ExplanationSummaryTests {
  /// Rows with attributions drawn from a fixed generator: feature 0 large, feature 1 small.
  static func rows(_ n: Int) -> [SummaryRow] {
    var state: UInt64 = 12345
    func uniform() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) / Double(1 << 53)
    }
    return (0..<n).map { i in
      let x = uniform() * 10
      return SummaryRow(
        attributions: [x - 5, 0.1 * (uniform() - 0.5), 0], values: [.number(x), .label(i % 3 == 0 ? "a" : "b"), .missing])
    }
  }

  @Test("means are exact and the ranking follows them; a zero feature gets zero")
  func exactMeans() {
    let rows = Self.rows(5000)
    var summary = ExplanationSummary(features: ["big", "small", "dummy"])
    rows.forEach { summary.add($0) }
    let report = summary.report()
    for j in 0..<3 {
      let direct = rows.reduce(0) { $0 + abs($1.attributions[j]) } / Double(rows.count)
      #expect(abs(report.importance[j].meanAbsolute - direct) <= 1e-12 * max(1, direct))
      let mean = rows.reduce(0) { $0 + $1.attributions[j] } / Double(rows.count)
      #expect(abs(report.importance[j].mean - mean) <= 1e-12)
    }
    #expect(report.order == [0, 1, 2])
    #expect(report.importance[2].meanAbsolute == 0)
  }

  @Test("the bootstrap interval covers the mean and agrees with the normal-theory interval")
  func bootstrapInterval() throws {
    let rows = Self.rows(4000)
    var summary = ExplanationSummary(features: ["big", "small", "dummy"])
    rows.forEach { summary.add($0) }
    let report = summary.report()
    let values = rows.map { abs($0.attributions[0]) }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    let halfWidth = 1.959964 * (variance / Double(values.count)).squareRoot()
    let (low, high) = try #require(report.importance[0].interval)
    #expect(low < mean && mean < high)
    // 200 replicates: the percentile interval's half-width is within 20% of the normal one.
    #expect(abs((high - low) / 2 - halfWidth) < 0.2 * halfWidth, "\(low) \(high) vs ±\(halfWidth)")
  }

  @Test("the same seed gives the same figures; another seed other intervals")
  func seeded() throws {
    let rows = Self.rows(3000)
    func run(_ seed: UInt64) -> SummaryReport {
      var c = ExplanationSummary.Configuration()
      c.seed = seed
      c.sampleSize = 100
      var summary = ExplanationSummary(features: ["big", "small", "dummy"], configuration: c)
      rows.forEach { summary.add($0) }
      return summary.report()
    }
    let a = run(1), b = run(1), c = run(2)
    #expect(a.importance[0].interval! == b.importance[0].interval!)
    #expect(a.sample.map(\.attributions) == b.sample.map(\.attributions))
    #expect(a.importance[0].interval! != c.importance[0].interval!)
    #expect(a.sample.map(\.attributions) != c.sample.map(\.attributions))
  }

  @Test("the sample is uniform, of the asked size, in bounded memory")
  func sample() {
    var c = ExplanationSummary.Configuration()
    c.sampleSize = 1000
    c.replicates = 0
    var summary = ExplanationSummary(features: ["index"], configuration: c)
    let n = 20000
    for i in 0..<n { summary.add(SummaryRow(attributions: [Double(i)], values: [])) }
    let report = summary.report()
    #expect(report.sample.count == 1000)
    let indices = report.sample.map { $0.attributions[0] }
    #expect(Set(indices).count == 1000)
    // Mean index of a uniform sample without replacement: (n−1)/2 with sd ≈ n/√(12·1000).
    let mean = indices.reduce(0, +) / 1000
    let sd = Double(n) / (12.0 * 1000).squareRoot()
    #expect(abs(mean - Double(n - 1) / 2) < 4 * sd)
    #expect(report.importance[0].interval == nil)
  }

  @Test("groups get exact per-group means")
  func groups() {
    let rows = Self.rows(999)
    var c = ExplanationSummary.Configuration()
    c.groupColumn = 1
    var summary = ExplanationSummary(features: ["big", "small", "dummy"], configuration: c)
    rows.forEach { summary.add($0) }
    let report = summary.report()
    #expect(report.groups.map(\.name) == ["b", "a"])
    let a = rows.filter { $0.values[1] == .label("a") }
    #expect(report.groups[1].rows == a.count)
    let direct = a.reduce(0) { $0 + abs($1.attributions[0]) } / Double(a.count)
    #expect(abs(report.groups[1].meanAbsolute[0] - direct) < 1e-12)
  }
}
