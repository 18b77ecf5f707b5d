import GlassboxSystem
import GlassboxModels
import GlassboxNumerics

/// How LIME estimates its surrogate.
public enum LIMEEstimator: String, Sendable, CaseIterable {
  /// Exact where the explained output allows it (a linear model's or a tree ensemble's
  /// raw output), sampled otherwise.
  case auto
  /// The expected surrogate, computed in closed form (`ExactLIME`).
  case exact
  /// lime's estimator: perturbed samples, model evaluations and a weighted ridge fit.
  case sampled
  /// The infinite-sample surrogate estimated from draws of the kernel-weighted law itself,
  /// with the exact margin surrogate as control variate where there is one, and standard
  /// errors (`DirectLIME`).
  case direct
}

/// Exact LIME: the surrogate a lime run converges to, computed without sampling.
///
/// lime draws each feature independently (a level with the background's frequencies,
/// then a value inside a continuous bin) and weights a sample by
/// `√exp(−d²/w²) = Π_j c^(1−z_j)`, `c = exp(−1/(2w²))`, where d² counts the features whose
/// level differs from the instance's. The weight factorizes, so the kernel-weighted law Q
/// keeps the features independent, each matching the instance with the tilted probability
/// `p/(p + (1 − p)·c)`. Under Q the match bits are independent regressors, so the weighted
/// least-squares slopes are `Δ_j = E_Q[f | z_j = 1] − E_Q[f | z_j = 0]` (Garreau and von
/// Luxburg, 2020; generalized here to unequal frequencies, missing values, the instance as
/// first sample and the ridge penalty, see `LIMEPopulationMoments`).
///
/// - Linear models: `Δ_j = w_j · (E[x_j | instance's level] − E[x_j | other levels])`,
///   with truncated-normal bin means; the score is in closed form too.
/// - Tree ensembles (raw margins, or a forest's averaged probabilities): every leaf is a
///   box whose probability factorizes over the features on its path (`LIMELeafTable`). The score needs `E_Q[f²]`, which has no
///   cheap closed form: its residual part is estimated from `LIMEResidualDraws` (fixed
///   draws, the same for every seed) and marked as estimated.
/// - Non-discretized mode (`LIMEDiscretizer.none`): a continuous feature's standardized
///   value z is standard normal under the sampler and the kernel's factor
///   `exp(−(z − z₀)²/(2w²))` is Gaussian too, so under Q z stays independent and normal
///   (`LIMEGaussianTilt`); its slope is `Cov_Q(z, f)/Var_Q(z)`, for a leaf box a
///   difference of normal densities at the interval's ends, for a linear model
///   `w_j · scale_j`.
///
/// Results depend on neither the seed nor the thread count.
struct ExactLIME: Sendable {
  let laws: [LIMEFeatureLaw]
  let mismatch: Double
  /// Per feature, the tilt of each instance slot (`LIMETilt.slot`).
  private let slotTilts: [[LIMETilt]]
  private let leaves: LIMELeafTable?
  private let linear: LinearModel?
  private let draws: LIMEResidualDraws?
  private let model: any Model
  private let sampler: LIMESampler

  /// Why the exact estimator cannot explain `model` in `space`, or nil when it can.
  static func unsupportedReason(model: any Model, space: OutputSpace) -> String? {
    if space == .probability {
      return "a classifier's probability is a nonlinear function of the margin; explain the margin (\(Parameter.output) raw)"
    }
    if model is TreeEnsemble { return nil }
    if model is LinearModel { return nil }
    return "the model is neither a tree ensemble nor a linear model"
  }

  /// - Throws: `ExplainerError.unsupportedOutput` when the model or a split cannot be
  ///   followed exactly.
  /// - Complexity: building the leaf table (see `LIMELeafTable`) and evaluating the model
  ///   on `LIMEResidualDraws.count` draws for trees; O(M · levels) for linear models.
  /// - Parameter estimatesScore: whether tree ensembles get the fixed draws that estimate
  ///   the score's residual (`LIMEResidualDraws`); without them the residual is 0 and not
  ///   marked as estimated (for a control variate, which needs only slopes and mean).
  /// - Parameter storesSlots: whether the leaf table computes every instance slot's terms
  ///   at construction (for many rows) or each row its own (for a few rows, such as the
  ///   direct estimator's control, whose construction counts); `LIMELeafTable`.
  init(
    model: any Model, statistics: LIMETrainingStatistics, sampler: LIMESampler, space: OutputSpace,
    estimatesScore: Bool = true, storesSlots: Bool = true
  ) throws {
    if let reason = Self.unsupportedReason(model: model, space: space) {
      throw ExplainerError.unsupportedOutput(method: "lime", problem: "the exact estimator does not apply: \(reason)")
    }
    let laws = statistics.features.map(LIMEFeatureLaw.init)
    let w = sampler.kernelWidth
    let c = expValue(-1 / (w * w)).squareRoot()
    self.laws = laws
    mismatch = c
    self.model = model
    self.sampler = sampler
    let slotTilts = laws.indices.map { j in
      let law = laws[j]
      return (0...(law.levelCount + 1)).map { slot in
        let level = slot <= law.levelCount ? slot : nil
        let missing = sampler.missingProbability(j, instanceMissing: level == law.levelCount)
        return LIMETilt(law, level: level, missing: missing, mismatch: c)
      }
    }
    self.slotTilts = slotTilts
    if let ensemble = model as? TreeEnsemble {
      leaves = try LIMELeafTable(ensemble, laws: laws, tilts: slotTilts, storesSlots: storesSlots)
      draws = estimatesScore ? LIMEResidualDraws(model: model, sampler: sampler, laws: laws) : nil
      linear = nil
    } else {
      linear = model as? LinearModel
      leaves = nil
      draws = nil
    }
  }

  /// The population summary of each of `outputs` (margin indices) around `instance`.
  /// - Throws: `ExplainerError.unsupportedOutput` when the model gives no output for the
  ///   instance, or a linear model without stored means would see missing values.
  /// - Complexity: O(leaf-table entries + draws · M) for trees; O(M · levels) for linear models.
  func populations(_ instance: [Double], outputs: [Int], row: Int) throws -> [LIMEPopulation] {
    let slots = laws.indices.map { LIMETilt.slot(laws[$0], level: laws[$0].levelIndex(of: instance[$0])) }
    let tilts = laws.indices.map { slotTilts[$0][slots[$0]] }
    let gaussians = laws.indices.map { j in
      laws[j].feature.isGaussian ? LIMEGaussianTilt(laws[j].feature, value: instance[j], width: sampler.kernelWidth) : nil
    }
    let inputs = LIMEInputLaw(tilts: tilts, gaussians: gaussians)
    var margins = [Double](repeating: 0, count: model.outputCount)
    instance.withUnsafeBufferPointer { x in
      margins.withUnsafeMutableBufferPointer { out in
        // One row: the row-by-row traversal (bit-identical to the batched predictor) is cheaper.
        if let ensemble = model as? TreeEnsemble {
          ensemble.referenceMargins(x, count: 1, into: out)
        } else {
          model.predictMargins(x, count: 1, into: out)
        }
      }
    }
    guard outputs.allSatisfy({ margins[$0].isFinite }) else {
      throw ExplainerError.unsupportedOutput(
        method: "lime",
        problem: "the model gives no output for row \(row) (it does not accept the row's missing values); impute them first")
    }
    if let leaves {
      let (expectation, contrasts) = leaves.expectations(slots: slots, gaussians: gaussians)
      return outputs.map { k in
        var population = inputs.population(expectation: expectation[k], contrasts: contrasts[k], instanceOutput: margins[k])
        if let draws {
          population.residualIsEstimated = true
          population.residual = draws.residual(population, output: k, tilts: tilts, gaussians: gaussians, mismatch: mismatch)
        }
        return population
      }
    }
    guard let linear else { preconditionFailure("an exact LIME without a model form") }
    return try outputs.map { k in
      try linearPopulation(linear, output: k, inputs: inputs, instanceOutput: margins[k])
    }
  }

  /// The closed form for `margin = b + Σ w_j x_j`: per feature, the first two moments of
  /// x_j given a match and given a mismatch.
  private func linearPopulation(
    _ linear: LinearModel, output k: Int, inputs: LIMEInputLaw, instanceOutput: Double
  ) throws -> LIMEPopulation {
    let m = laws.count
    var expectation = linear.intercepts[k]
    var contrasts = [Double](repeating: 0, count: m)
    var variance = 0.0, explained = 0.0
    for j in 0..<m {
      let law = laws[j], tilt = inputs.tilts[j]
      let w = linear.coefficients[k][j]
      if let gaussian = inputs.gaussians[j] {
        // x = mean + scale · z is linear in z: the slope is w · scale, and no residual.
        expectation += w * (gaussian.scalerMean + gaussian.scalerScale * gaussian.mean)
        contrasts[j] = w * gaussian.scalerScale
        continue
      }
      var levelMoments = (0..<law.levelCount).map { law.moments(level: $0) }
      var probabilities = law.frequencies.map { $0 * (1 - tilt.missing) }
      if tilt.missing > 0 {
        // A missing input takes the model's stored mean.
        guard let mean = linear.means?[j] else {
          throw ExplainerError.unsupportedOutput(
            method: "lime",
            problem: "'\(law.feature.name)' is sampled missing and the linear model stores no mean to impute it; use \(Parameter.estimator) sampled")
        }
        levelMoments.append((mean, mean * mean))
        probabilities.append(tilt.missing)
      }
      var inside = (mean: 0.0, square: 0.0)
      if let l = tilt.level, l < levelMoments.count { inside = levelMoments[l] }
      var outside = (mean: 0.0, square: 0.0)
      if tilt.match < 1 {
        for (l, p) in probabilities.enumerated() where l != tilt.level {
          outside.mean += p * levelMoments[l].mean
          outside.square += p * levelMoments[l].square
        }
        outside.mean /= 1 - tilt.match
        outside.square /= 1 - tilt.match
      }
      let q = tilt.tilted
      let mean = q * inside.mean + (1 - q) * outside.mean
      let square = q * inside.square + (1 - q) * outside.square
      expectation += w * mean
      contrasts[j] = w * (inside.mean - outside.mean)
      variance += w * w * max(0, square - mean * mean)
      explained += contrasts[j] * contrasts[j] * q * (1 - q)
    }
    var population = inputs.population(expectation: expectation, contrasts: contrasts, instanceOutput: instanceOutput)
    population.residual = max(0, variance - explained)
    return population
  }
}

/// The kernel-weighted law of the surrogate's inputs around one instance: per feature, a
/// tilted match bit (`LIMETilt`) or a Gaussian feature's normal (`LIMEGaussianTilt`).
struct LIMEInputLaw {
  let tilts: [LIMETilt]
  let gaussians: [LIMEGaussianTilt?]

  /// A population with these inputs (residual 0, not estimated).
  func population(expectation: Double, contrasts: [Double], instanceOutput: Double) -> LIMEPopulation {
    var kernelMean = 1.0
    var means: [Double] = [], variances: [Double] = [], instance: [Double] = []
    for (tilt, gaussian) in zip(tilts, gaussians) {
      if let gaussian {
        kernelMean *= gaussian.kernelMean
        means.append(gaussian.mean)
        variances.append(gaussian.deviation * gaussian.deviation)
        instance.append(gaussian.instance)
      } else {
        kernelMean *= tilt.kernelMean
        means.append(tilt.tilted)
        variances.append(tilt.tilted * (1 - tilt.tilted))
        instance.append(1)
      }
    }
    return LIMEPopulation(
      tilted: means, variances: variances, instanceInputs: instance, expectation: expectation, contrasts: contrasts,
      residual: 0, residualIsEstimated: false, instanceOutput: instanceOutput, kernelMean: kernelMean)
  }
}
