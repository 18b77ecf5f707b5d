import GlassboxModels
import GlassboxNumerics
import GlassboxSystem

/// LIME's infinite-sample surrogate estimated by sampling the kernel-weighted law Q
/// directly, for outputs the exact estimator cannot follow (a classifier's probability, a
/// model that is neither a tree ensemble nor a linear model).
///
/// Under Q the surrogate's inputs are independent with known means `E_Q[z_j]` and variances
/// `V_j` (`LIMEInputLaw`), so each population slope is `Cov_Q(z_j, f)/V_j`. Drawing from Q
/// itself gives every draw the same weight (lime draws from the sampler and down-weights by
/// the kernel, wasting most draws far from the instance). The slope estimate is
///
///   `β̂_j = λ_j·β^h_j + mean_i[(z_ij − E_Q z_j)·((f_i − f̄) − λ_j·(h_i − h̄))]/V_j`,
///
/// where h is a control variate whose slopes `β^h` are known exactly: the model's margin
/// (raw output) explained by `ExactLIME` when the model is a tree ensemble or a linear model
/// (λ_j fitted on the draws), nothing otherwise (λ = 0). The standard error of `β̂_j` is the
/// spread of the per-draw terms over √n. The score's residual part is estimated from the
/// draws, and the fit (feature selection, ridge in the limit) uses these population moments
/// as the exact estimator does; standard errors are those of the slopes, the selection
/// taken as fixed.
///
/// - Complexity: per row O(n·m) sampling and estimation plus one model batch of n rows
///   (n = `LIMEConfiguration.samples` evaluations), and the exact margin surrogate when
///   there is a control.
struct DirectLIME: Sendable {
  let laws: [LIMEFeatureLaw]
  let sampler: LIMESampler
  let model: any Model
  /// The exact margin-space estimator used as control variate, when the model allows it.
  let control: ExactLIME?
  private let slotTilts: [[LIMETilt]]

  init(model: any Model, statistics: LIMETrainingStatistics, sampler: LIMESampler) {
    laws = statistics.features.map(LIMEFeatureLaw.init)
    self.sampler = sampler
    self.model = model
    control = try? ExactLIME(model: model, statistics: statistics, sampler: sampler, space: .raw)
    let c = expValue(-1 / (sampler.kernelWidth * sampler.kernelWidth)).squareRoot()
    let laws = laws
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
  ///   - outputs: explained outputs (class indices); `respond` maps a draw's margins to them.
  ///   - instanceOutputs: the explained outputs at the instance.
  func populations<G: RandomNumberGenerator>(
    _ instance: [Double], outputs: [Int], instanceOutputs: [Double], samples n: Int, row: Int, generator: inout G,
    respond: (ArraySlice<Double>) -> [Double]
  ) throws -> [(population: LIMEPopulation, errors: [Double])] {
    let m = laws.count
    let law = inputLaw(instance)
    let (inputs, z) = draw(law, count: n, generator: &generator)
    let k = model.outputCount
    var margins = [Double](repeating: 0, count: n * k)
    inputs.withUnsafeBufferPointer { x in margins.withUnsafeMutableBufferPointer { model.predictMargins(x, count: n, into: $0) } }
    var targets = [[Double]](repeating: [Double](repeating: 0, count: n), count: outputs.count)
    for i in 0..<n {
      let values = respond(margins[(i * k)..<((i + 1) * k)])
      for o in outputs.indices { targets[o][i] = values[o] }
    }
    guard targets.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
      throw ExplainerError.unsupportedOutput(
        method: "lime",
        problem: "the model gives no output for some draws around row \(row) (missing values it does not accept); use \(Parameter.estimator) sampled")
    }
    let controls = try control?.populations(instance, outputs: outputs.map { k == 1 ? 0 : $0 }, row: row)
    return outputs.indices.map { o in
      let f = targets[o]
      var h: [Double]? = nil
      if controls != nil { h = (0..<n).map { margins[$0 * k + (k == 1 ? 0 : outputs[o])] } }
      var population = law.population(expectation: 0, contrasts: [Double](repeating: 0, count: m), instanceOutput: instanceOutputs[o])
      let errors = estimate(&population, f: f, z: z, control: h.map { ($0, controls![o]) })
      return (population, errors)
    }
  }

  /// Fills the expectation, slopes and residual of `population` from the draws; returns the
  /// slopes' standard errors.
  private func estimate(
    _ population: inout LIMEPopulation, f: [Double], z: [Double], control: ([Double], LIMEPopulation)?
  ) -> [Double] {
    let n = f.count, m = laws.count
    let fMean = f.reduce(0, +) / Double(n)
    let hMean = control.map { $0.0.reduce(0, +) / Double(n) } ?? 0
    var errors = [Double](repeating: 0, count: m)
    var terms = [Double](repeating: 0, count: n), controlTerms = [Double](repeating: 0, count: n)
    for j in 0..<m {
      let v = population.variances[j]
      guard v > 1e-14 else { continue }
      let zMean = population.tilted[j]
      for i in 0..<n {
        let centred = z[j * n + i] - zMean
        terms[i] = centred * (f[i] - fMean) / v
        if let (h, _) = control { controlTerms[i] = centred * (h[i] - hMean) / v }
      }
      // λ_j: the least-squares coefficient of the terms on the control's terms.
      var lambda = 0.0, known = 0.0
      if let (_, exact) = control {
        let (a, b) = (mean(terms), mean(controlTerms))
        var sab = 0.0, sbb = 0.0
        for i in 0..<n {
          sab += (terms[i] - a) * (controlTerms[i] - b)
          sbb += (controlTerms[i] - b) * (controlTerms[i] - b)
        }
        lambda = sbb > 0 ? sab / sbb : 0
        known = exact.contrasts[j]
      }
      for i in 0..<n { terms[i] -= lambda * controlTerms[i] }
      let center = mean(terms)
      population.contrasts[j] = lambda * known + center
      var spread = 0.0
      for i in 0..<n { spread += (terms[i] - center) * (terms[i] - center) }
      errors[j] = (spread / Double(max(1, n - 1)) / Double(n)).squareRoot()
    }
    // E_Q[f], with the control's exact mean where there is one (λ fitted on the outputs).
    var expectation = fMean
    if let (h, exact) = control {
      var sfh = 0.0, shh = 0.0
      for i in 0..<n {
        sfh += (f[i] - fMean) * (h[i] - hMean)
        shh += (h[i] - hMean) * (h[i] - hMean)
      }
      expectation -= (shh > 0 ? sfh / shh : 0) * (hMean - exact.expectation)
    }
    population.expectation = expectation
    // The residual E_Q[(f − g)²] of the least-squares fit g on the draws.
    var offset = expectation
    for j in 0..<m { offset -= population.contrasts[j] * population.tilted[j] }
    var residual = 0.0
    for i in 0..<n {
      var g = offset
      for j in 0..<m { g += population.contrasts[j] * z[j * n + i] }
      residual += (f[i] - g) * (f[i] - g)
    }
    population.residual = residual / Double(n)
    population.residualIsEstimated = true
    return errors
  }

  private func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
}
