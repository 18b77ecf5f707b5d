import GlassboxModels
import GlassboxNumerics
import GlassboxSystem

/// LIME's infinite-sample surrogate estimated by sampling, for outputs the exact estimator
/// cannot follow (a classifier's probability, a model that is neither a tree ensemble nor a
/// linear model).
///
/// lime's sampling law does not depend on the instance (`LIMESharedDraws`), so the n draws
/// of one seed and their model outputs are made once and shared by every row. They are a
/// randomized quasi-Monte Carlo point set (`LIMEStratifiedDraws`: a scrambled Halton
/// sequence mapped through each feature's law, every draw still following lime's law), so
/// the estimates keep their limit with less variance than independent draws (30% less at
/// n = 800, Adult XGBoost's probability); the reported standard errors, which assume
/// independent draws, are then conservative. Each row
/// importance-weights them with its own kernel, which turns them into draws of its
/// kernel-weighted law Q. A row that misses a feature the background never misses is
/// sampled differently by lime; it draws n values of its Q directly (equal weights). Under Q
/// the surrogate's inputs are independent with known means `E_Q[z_j]` and variances `V_j`
/// (`LIMEInputLaw`), so each population slope is `Cov_Q(z_j, f)/V_j`. The slopes are fitted
/// by weighted least squares on all inputs at once, with a control variate h whose slopes
/// are known exactly: the model's margin (raw output) explained by `ExactLIME` when the
/// model is a tree ensemble or a linear model, nothing otherwise (`DirectLIMERegression`
/// gives the formulas and the sandwich standard errors). The score's residual part is
/// estimated from the draws, and the fit (feature selection, ridge in the limit) uses these
/// population moments as the exact estimator does; standard errors are those of the slopes,
/// the selection taken as fixed. A row's result depends on the seed and the row, never on
/// threads or the other rows; rows share their draws, so their errors are correlated.
///
/// - Complexity: one model batch of n rows per seed at construction; per row O(n·m²)
///   estimation and the exact margin surrogate when there is a control (plus n draws and
///   evaluations for a row that cannot share).
struct DirectLIME: Sendable {
  let laws: [LIMEFeatureLaw]
  let sampler: LIMESampler
  let model: any Model
  /// The exact margin-space estimator used as control variate, when the model allows it.
  let control: ExactLIME?
  private let slotTilts: [[LIMETilt]]
  /// The kernel's factor per mismatched feature, `c = exp(−1/(2w²))`.
  private let mismatch: Double
  /// Per seed, the draws of lime's sampling law shared by every row (`LIMESharedDraws`).
  let pools: [UInt64: LIMESharedDraws]
  /// Per seed, the explained outputs of the shared draws (per output, n values), computed
  /// once from their margins.
  private let poolTargets: [UInt64: [[Double]]]
  /// The explained outputs of one draw's margins.
  private let respond: @Sendable (ArraySlice<Double>) -> [Double]

  /// - Parameters:
  ///   - samples: the draws per seed (and per row that cannot share them).
  ///   - seeds: the seeds whose shared draws are made here (each costs one model batch).
  ///   - outputs: the number of explained outputs.
  ///   - respond: the explained outputs of one draw's margins.
  init(
    model: any Model, statistics: LIMETrainingStatistics, sampler: LIMESampler, samples: Int, seeds: [UInt64],
    outputs: Int, respond: @escaping @Sendable (ArraySlice<Double>) -> [Double]
  ) {
    let laws = statistics.features.map(LIMEFeatureLaw.init)
    self.laws = laws
    self.sampler = sampler
    self.model = model
    control = try? ExactLIME(
      model: model, statistics: statistics, sampler: sampler, space: .raw, estimatesScore: false, storesSlots: false)
    let c = expValue(-1 / (sampler.kernelWidth * sampler.kernelWidth)).squareRoot()
    mismatch = c
    var pools: [UInt64: LIMESharedDraws] = [:]
    for seed in seeds where pools[seed] == nil {
      pools[seed] = LIMESharedDraws(
        model: model, sampler: sampler, laws: laws, count: samples, seed: seed, stream: Self.sharedStream,
        design: .scrambledHalton)
    }
    self.pools = pools
    self.respond = respond
    poolTargets = pools.mapValues { pool in Self.targets(pool.margins, outputs: outputs, k: model.outputCount, respond: respond) }
    slotTilts = laws.indices.map { j in
      (0...(laws[j].levelCount + 1)).map { slot in
        let level = slot <= laws[j].levelCount ? slot : nil
        let missing = sampler.missingProbability(j, instanceMissing: level == laws[j].levelCount)
        return LIMETilt(laws[j], level: level, missing: missing, mismatch: c)
      }
    }
  }

  /// The kernel-weighted law of the inputs around `instance`.
  func inputLaw(_ instance: [Double]) -> LIMEInputLaw {
    let tilts = laws.indices.map { slotTilts[$0][LIMETilt.slot(laws[$0], level: laws[$0].levelIndex(of: instance[$0]))] }
    let gaussians = laws.indices.map { j in
      laws[j].feature.isGaussian ? LIMEGaussianTilt(laws[j].feature, value: instance[j], width: sampler.kernelWidth) : nil
    }
    return LIMEInputLaw(tilts: tilts, gaussians: gaussians)
  }

  /// n draws from Q: model inputs (`n × m`, row-major) and surrogate inputs (`m × n`, feature-major).
  /// - Complexity: O(n · m · log L).
  func draw<G: RandomNumberGenerator>(_ law: LIMEInputLaw, count n: Int, generator: inout G) -> (inputs: [Double], z: [Double]) {
    let m = laws.count
    var inputs = [Double](repeating: 0, count: n * m)
    var z = [Double](repeating: 0, count: n * m)
    for j in 0..<m {
      let f = laws[j].feature
      if let g = law.gaussians[j] {
        for i in 0..<n {
          let v = g.mean + g.deviation * generator.nextGaussian()
          z[j * n + i] = v
          inputs[i * m + j] = g.scalerMean + g.scalerScale * v
        }
        continue
      }
      let tilt = law.tilts[j]
      // The sampler's probability of each level (non-missing levels, then "missing"),
      // with the instance's level removed for the mismatch draws.
      var others = laws[j].frequencies.map { $0 * (1 - tilt.missing) } + [tilt.missing]
      if let level = tilt.level { others[level] = 0 }
      let total = others.reduce(0, +)
      for i in 0..<n {
        var level: Int
        if generator.nextUnitDouble() < tilt.tilted, let own = tilt.level {
          level = own
          z[j * n + i] = 1
        } else {
          var u = generator.nextUnitDouble() * total
          level = others.count - 1
          for (l, p) in others.enumerated() where p > 0 {
            if u < p { level = l; break }
            u -= p
          }
        }
        inputs[i * m + j] = value(f, level: level, levelCount: laws[j].levelCount, generator: &generator)
      }
    }
    return (inputs, z)
  }

  private func value<G: RandomNumberGenerator>(
    _ f: LIMETrainingStatistics.Feature, level: Int, levelCount: Int, generator: inout G
  ) -> Double {
    if level == levelCount { return .nan }
    let code = f.levels[level]
    return f.isCategorical ? code : LIMESampler.truncatedNormal(f, bin: Int(code), generator: &generator)
  }

  /// The population of each explained output estimated from `n` draws, with the standard
  /// errors of its slopes.
  /// - Parameters:
  ///   - outputs: explained outputs (class indices), those `respond` gives.
  ///   - instanceOutputs: the explained outputs at the instance.
  ///   - seed: the seed whose shared draws of lime's sampling law (`pools`) are used,
  ///     importance-weighted with the row's kernel, unless the instance misses a feature
  ///     the background never misses (or the seed has none); then n fresh draws of Q.
  func populations<G: RandomNumberGenerator>(
    _ instance: [Double], outputs: [Int], instanceOutputs: [Double], samples: Int, seed: UInt64, row: Int,
    generator: inout G
  ) throws -> [(population: LIMEPopulation, errors: [Double])] {
    let m = laws.count
    let law = inputLaw(instance)
    let k = model.outputCount
    var margins: [Double], z: [Double], weights: [Double]? = nil
    let targets: [[Double]]
    let shares = instance.indices.allSatisfy { !instance[$0].isNaN || laws[$0].missingFraction > 0 }
    if let pool = pools[seed], let pooled = poolTargets[seed], shares {
      margins = pool.margins
      targets = pooled
      (z, weights) = weigh(pool, law)
    } else {
      let (inputs, drawn) = draw(law, count: samples, generator: &generator)
      z = drawn
      margins = [Double](repeating: 0, count: samples * k)
      inputs.withUnsafeBufferPointer { x in
        margins.withUnsafeMutableBufferPointer { model.predictMargins(x, count: samples, into: $0) }
      }
      targets = Self.targets(margins, outputs: outputs.count, k: k, respond: respond)
    }
    let n = margins.count / k
    guard targets.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
      throw ExplainerError.unsupportedOutput(
        method: "lime",
        problem: "the model gives no output for some draws around row \(row) (missing values it does not accept); use \(Parameter.estimator) sampled")
    }
    let controls = try control?.populations(instance, outputs: outputs.map { k == 1 ? 0 : $0 }, row: row)
    let variances = law.population(expectation: 0, contrasts: [], instanceOutput: 0).variances
    // Every input but a Gaussian feature's is a match indicator (0 or 1).
    let design = DirectLIMEDesign(
      z: z, weights: weights, variances: variances, count: n, binary: law.gaussians.map { $0 == nil })
    return outputs.indices.map { o in
      let f = targets[o]
      var h: [Double]? = nil
      if controls != nil { h = k == 1 ? margins : (0..<n).map { margins[$0 * k + outputs[o]] } }
      var population = law.population(expectation: 0, contrasts: [Double](repeating: 0, count: m), instanceOutput: instanceOutputs[o])
      let control = h.map { ($0, controls![o]) }
      let fit = DirectLIMERegression(
        f: f, design: design, means: population.tilted, variances: population.variances, control: control)
      population.contrasts = fit.slopes
      population.expectation = fit.expectation
      population.residual = fit.residual
      population.residualIsEstimated = true
      return (population, fit.errors)
    }
  }

  /// The explained outputs (per output, one value per draw) of draws' margins (`n × k`).
  private static func targets(
    _ margins: [Double], outputs: Int, k: Int, respond: (ArraySlice<Double>) -> [Double]
  ) -> [[Double]] {
    let n = margins.count / k
    var targets = [[Double]](repeating: [Double](repeating: 0, count: n), count: outputs)
    for i in 0..<n {
      let values = respond(margins[(i * k)..<((i + 1) * k)])
      for o in 0..<outputs { targets[o][i] = values[o] }
    }
    return targets
  }

  /// The stream of the shared draws ("SHARED").
  static let sharedStream: UInt64 = 0x53_4841_5245_44

  /// The surrogate's inputs of the shared draws around one instance (`m × n`,
  /// feature-major) and their importance weights to Q: the row's kernel weights,
  /// `c^mismatches` times the Gaussian features' factors `exp(−(z − z₀)²/(2w²))`, the
  /// factors multiplied feature by feature.
  /// - Complexity: O(n · m).
  func weigh(_ pool: LIMESharedDraws, _ law: LIMEInputLaw) -> (z: [Double], weights: [Double]) {
    let n = pool.count, m = laws.count
    // Every entry of z is written below.
    var z = [Double](unsafeUninitializedCapacity: n * m) { _, count in count = n * m }
    var weights = [Double](repeating: 1, count: n)
    let scale = -1 / (2 * sampler.kernelWidth * sampler.kernelWidth), c = mismatch
    z.withUnsafeMutableBufferPointer { z in
      weights.withUnsafeMutableBufferPointer { weights in
        for j in 0..<m {
          let out = z.baseAddress! + j * n
          if let gaussian = law.gaussians[j] {
            pool.standardized.withUnsafeBufferPointer { standardized in
              let column = standardized.baseAddress! + j * n
              for i in 0..<n {
                let v = column[i]
                out[i] = v
                weights[i] *= expValue(scale * (v - gaussian.instance) * (v - gaussian.instance))
              }
            }
            continue
          }
          let target = Int32(law.tilts[j].level ?? -2)
          pool.levels.withUnsafeBufferPointer { levels in
            let column = levels.baseAddress! + j * n
            for i in 0..<n {
              let same = column[i] == target
              out[i] = same ? 1 : 0
              weights[i] *= same ? 1 : c
            }
          }
        }
      }
    }
    return (z, weights)
  }
}
