import GlassboxData
import GlassboxModels
import GlassboxNumerics
import Testing

@testable import GlassboxExplainers

/// The direct estimator's design on match indicators (`DirectLIMEDesign` told which inputs
/// are 0/1) against the same design on unmarked inputs, and the shared draws' indicators and
/// weights (`DirectLIME.weigh`) against the levels.
@Suite("LIME direct estimator: match-indicator design")
struct LIMEDirectMatchDesignTests {
  /// n draws of `matchProbability.count` match indicators with kernel-like weights, as a
  /// feature-major 0/1 matrix; one indicator that never matches (left out).
  static func draws(n: Int, seed: UInt64) -> (z: [Double], weights: [Double], m: Int) {
    var generator = Xoshiro256StarStar(seed: seed, stream: 3)
    let matchProbability = [0.3, 0.5, 0.92, 0.15, 0.6, 0.0, 0.25, 0.75]
    let m = matchProbability.count
    var z = [Double](repeating: 0, count: m * n)
    var weights = [Double](repeating: 1, count: n)
    for i in 0..<n {
      for j in 0..<m {
        if generator.nextUnitDouble() < matchProbability[j] {
          z[j * n + i] = 1
        } else {
          weights[i] *= 0.93
        }
      }
    }
    return (z, weights, m)
  }

  @Test("slopes, mean, residual and errors equal the unmarked design's to rounding, with and without weights",
    arguments: [true, false])
  func matchesFloatingDesign(_ weighted: Bool) {
    let (z, kernel, m) = Self.draws(n: 1400, seed: 9)
    let n = kernel.count
    let weights: [Double]? = weighted ? kernel : nil
    var generator = Xoshiro256StarStar(seed: 12, stream: 1)
    let h = (0..<n).map { i in
      0.8 * z[i] - 1.1 * z[2 * n + i] + 0.3 * z[4 * n + i] + 0.5 * z[n + i] * z[3 * n + i] + 0.2 * generator.nextGaussian()
    }
    let f = (0..<n).map { i in 1 / (1 + expValue(-h[i] - 0.4 * z[7 * n + i])) + 0.03 * generator.nextGaussian() }
    // Input 5 never matches but has a variance under Q: it is fitted on its own.
    let means = [0.35, 0.45, 0.9, 0.2, 0.55, 0.02, 0.3, 0.7]
    let variances = means.map { $0 * (1 - $0) }
    let control = LIMEPopulation(
      tilted: means, variances: variances, instanceInputs: [Double](repeating: 1, count: m), expectation: -0.3,
      contrasts: [0.79, 0.04, -1.12, 0.02, 0.31, 0, 0.01, -0.02], residual: 0, residualIsEstimated: false,
      instanceOutput: 0, kernelMean: 1)
    let dense = DirectLIMERegression(f: f, z: z, weights: weights, means: means, variances: variances, control: (h, control))
    let design = DirectLIMEDesign(
      z: z, weights: weights, variances: variances, count: n, binary: [Bool](repeating: true, count: m))
    #expect(design.live == [0, 1, 2, 3, 4, 6, 7])
    let bits = DirectLIMERegression(f: f, design: design, means: means, variances: variances, control: (h, control))
    for j in 0..<m {
      #expect(abs(bits.slopes[j] - dense.slopes[j]) <= 1e-12 * max(1, abs(dense.slopes[j])), "slope \(j)")
      #expect(abs(bits.errors[j] - dense.errors[j]) <= 1e-10 * dense.errors[j], "error \(j)")
    }
    #expect(bits.errors.filter { $0 > 0 }.count == 8)
    #expect(abs(bits.expectation - dense.expectation) <= 1e-12)
    #expect(abs(bits.residual - dense.residual) <= 1e-12 * dense.residual)
  }

  @Test("the shared draws' match indicators and weights are the levels' matches and c^mismatches, on Adult")
  func matchesOfSharedDraws() throws {
    let loaded = try ModelLoader.load(path: LIMEExactReferenceTests.root + "/models/adult-xgboost.json")
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    let m = loaded.model.featureCount
    let statistics = try LIMETrainingStatistics(
      background: background, schema: loaded.schema, discretizer: .quartile, labels: nil)
    let sampler = LIMESampler(statistics: statistics, kernelWidth: limeDefaultKernelWidth(features: m))
    let direct = DirectLIME(
      model: loaded.model, statistics: statistics, sampler: sampler, samples: 300, seeds: [7], outputs: 1,
      respond: { [$0[$0.startIndex]] })
    let pool = try #require(direct.pools[7])
    var rows = 0
    for r in 0..<5 {
      let law = direct.inputLaw(Array(background.rows[(r * m)..<((r + 1) * m)]))
      let (z, weights) = direct.weigh(pool, law)
      let c = expValue(-1 / (sampler.kernelWidth * sampler.kernelWidth)).squareRoot()
      for i in 0..<pool.count {
        var mismatches = 0
        for j in 0..<m {
          let match = pool.levels[j * pool.count + i] == Int32(law.tilts[j].level ?? -2)
          if !match { mismatches += 1 }
          if z[j * pool.count + i] != (match ? 1 : 0) { Issue.record("row \(r), feature \(j), draw \(i)") }
        }
        let expected = (0..<mismatches).reduce(1.0) { value, _ in value * c }
        if abs(weights[i] - expected) > 1e-13 * expected { Issue.record("row \(r), weight \(i)") }
      }
      rows += 1
    }
    #expect(rows == 5)
  }
}
