import GlassboxNumerics

/// The sampled Kernel SHAP estimate of one row: enumerated size classes, paired random
/// coalitions in batches, the constrained regression, and batch standard errors.
struct KernelSampler {
  let configuration: KernelSHAP.Configuration
  let plan: CoalitionPlan
  let outputs: Int
  /// v(∅) and v(N) per output.
  let empty: [Double]
  let full: [Double]

  struct Estimate {
    /// `outputs × M`, output-major.
    var phi: [Double]
    var standardErrors: [Double]
    var note: String
  }

  /// Random coalitions per variance batch: an even number, enough to help determine
  /// every attribution.
  var batchSize: Int { max(32, 2 * plan.players) }

  /// - Throws: `ShapleyGameError.underdetermined` when the coalitions leave the
  ///   regression rank deficient.
  func run(game: inout InstanceGame, rng: inout Xoshiro256StarStar) throws -> Estimate {
    let m = plan.players
    let enumeratedValues = game.values(plan.enumerated)
    var random: [UInt64] = []
    var randomValues: [Double] = []
    let minimumRandom = max(4, 2 * m + 4 - plan.enumerated.count)
    func grow(to n: Int) {
      let start = random.count
      plan.samplePairs((n - start + 1) / 2, rng: &rng, into: &random)
      randomValues.append(contentsOf: game.values(Array(random[start...])))
    }
    var estimate: Estimate
    switch configuration.samples {
    case .fixed(let n):
      let target = max(minimumRandom, n - plan.enumerated.count)
      grow(to: target)
      estimate = try solve(enumeratedValues, random, randomValues)
      let maxSE = estimate.standardErrors.max() ?? 0
      estimate.note =
        "kernel: \(plan.enumerated.count + random.count) coalitions (\(plan.enumerated.count) enumerated, "
        + "\(random.count) sampled in pairs), largest std error \(shortNumber(maxSE))"
    case .auto:
      let cap = max(minimumRandom, configuration.maxSamples - plan.enumerated.count)
      let budgetLeft = max(0, min(configuration.maxSamples, 2 * m + 2048) - plan.enumerated.count)
      var target = min(cap, roundUp(max(4 * batchSize, budgetLeft / 2, minimumRandom), to: batchSize))
      while true {
        grow(to: target)
        estimate = try solve(enumeratedValues, random, randomValues)
        let ratio = worstRatio(estimate)
        let converged = ratio <= configuration.tolerance
        if converged || random.count >= cap {
          let total = plan.enumerated.count + random.count
          estimate.note =
            "kernel: \(total) coalitions (\(plan.enumerated.count) enumerated, \(random.count) sampled in pairs), "
            + (converged
              ? "converged: largest std error \(shortNumber(ratio)) of the attribution spread (tolerance \(shortNumber(configuration.tolerance)))"
              : "NOT converged at the cap of \(configuration.maxSamples) coalitions: largest std error \(shortNumber(ratio)) of the spread (tolerance \(shortNumber(configuration.tolerance)))")
          break
        }
        // Covert & Lee's forecast: the variance falls as 1/n.
        let forecast = Double(random.count) * (ratio / configuration.tolerance) * (ratio / configuration.tolerance)
        let next = min(Double(8 * random.count), max(Double(random.count + batchSize), 1.1 * forecast))
        target = min(cap, roundUp(Int(next), to: batchSize))
      }
    }
    return estimate
  }

  /// The largest standard error relative to the spread of the attributions, over outputs.
  func worstRatio(_ e: Estimate) -> Double {
    largestRelativeError(phi: e.phi, errors: e.standardErrors, players: plan.players, outputs: outputs)
  }

  /// The full estimate and its batch standard errors.
  func solve(_ enumeratedValues: [Double], _ random: [UInt64], _ randomValues: [Double]) throws -> Estimate {
    let m = plan.players
    let k = outputs
    let phi = try regress(enumeratedValues, random[...], randomValues[...])
    guard let phi else { throw ShapleyGameError.underdetermined(samples: plan.enumerated.count + random.count, players: m) }
    // Batches of whole pairs.
    let pairs = random.count / 2
    let batches = min(pairs, max(2, random.count / batchSize))
    var estimates: [[Double]] = []
    if batches >= 2 {
      for j in 0..<batches {
        let lo = 2 * (j * pairs / batches)
        let hi = 2 * ((j + 1) * pairs / batches)
        if let e = try regress(enumeratedValues, random[lo..<hi], randomValues[(lo * k)..<(hi * k)]) {
          estimates.append(e)
        }
      }
    }
    var se = [Double](repeating: .nan, count: k * m)
    if estimates.count >= 2 {
      let n = Double(estimates.count)
      for i in 0..<(k * m) {
        let mean = estimates.reduce(0) { $0 + $1[i] } / n
        let variance = estimates.reduce(0) { $0 + ($1[i] - mean) * ($1[i] - mean) } / (n - 1)
        se[i] = (variance / n).squareRoot()
      }
    }
    return Estimate(phi: phi, standardErrors: se, note: "")
  }

  /// φ (`k × M`) from the enumerated coalitions plus `random`, or nil when rank deficient.
  func regress(_ enumeratedValues: [Double], _ random: ArraySlice<UInt64>, _ randomValues: ArraySlice<Double>) throws
    -> [Double]?
  {
    let m = plan.players
    let masks = plan.enumerated + random
    let share = random.isEmpty ? 0 : plan.sampledMass / Double(random.count)
    let weights = plan.enumeratedWeights + [Double](repeating: share, count: random.count)
    let values = enumeratedValues + randomValues
    var phi: [Double] = []
    phi.reserveCapacity(outputs * m)
    for c in 0..<outputs {
      do {
        phi += try KernelRegression.solve(
          masks: masks[...], weights: weights[...], values: values[...], valueStride: outputs, output: c,
          empty: empty[c], full: full[c], players: m, solver: configuration.solver)
      } catch .rankDeficient {
        return nil
      }
    }
    return phi
  }
}

/// The largest standard error relative to the spread of the attributions (`max φ − min φ`),
/// over outputs (`outputs × players`, output-major): the convergence measure of `.auto`.
/// Infinite when errors are positive but the attributions do not spread, or NaN.
func largestRelativeError(phi: [Double], errors: [Double], players m: Int, outputs: Int) -> Double {
  var worst = 0.0
  for c in 0..<outputs {
    let values = phi[(c * m)..<((c + 1) * m)]
    let largest = errors[(c * m)..<((c + 1) * m)].max() ?? 0
    let spread = (values.max() ?? 0) - (values.min() ?? 0)
    let ratio = largest == 0 ? 0 : (spread > 0 ? largest / spread : .infinity)
    worst = max(worst, ratio.isNaN ? .infinity : ratio)
  }
  return worst
}

/// `n` rounded up to a multiple of `step`.
func roundUp(_ n: Int, to step: Int) -> Int { (n + step - 1) / step * step }
