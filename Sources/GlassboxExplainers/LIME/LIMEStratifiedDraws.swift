import GlassboxNumerics

/// How the shared draws of lime's sampling law are laid out (`LIMESharedDraws`).
enum LIMEDrawDesign: Sendable {
  /// Independent draws, as lime's sampler makes them (`LIMESampler.sample`).
  case independent
  /// A Latin hypercube over each feature's levels and the values inside each bin
  /// (`LIMEStratifiedDraws`).
  case latinHypercube
}

/// Draws of lime's sampling law laid out as a Latin hypercube: feature j of draw i comes
/// from the uniform `u_ij = (π_j(i) + U_ij)/n`, π_j a random permutation of the n draws
/// (one per feature, independent) and U_ij independent uniforms, mapped through the
/// feature's law: "missing" below its probability, then the level whose cumulative
/// frequency interval holds the uniform, then (for a bin) the truncated normal's quantile
/// at the uniform's position inside that interval. Each u_ij is uniform and the features
/// of one draw are independent, so each draw follows lime's law exactly and every average
/// over the draws keeps its limit; but each level is drawn in its exact proportion up to
/// fewer than two draws (the strata of width 1/n straddle at most two level boundaries),
/// and the draws of one level spread evenly over its truncated normal's quantiles, which
/// removes the variance of each feature's main effect. A Gaussian feature
/// (`LIMEDiscretizer.none`) is drawn independently, as lime's sampler draws it.
///
/// The draws are not independent, so standard errors that assume they are (the direct
/// estimator's HC1 sandwich) ignore the variance removed: measured on Adult XGBoost's
/// probability (n = 800, 10 rows, 256 seeds), they are 2% above the seeds' spread
/// (3% below it with independent draws). The level of draw i is the drawn one, never
/// re-read from its value.
enum LIMEStratifiedDraws {
  /// Model inputs (`n × M`, row-major), level indices (`M × n`, feature-major,
  /// `LIMEFeatureLaw.levelIndex`) and standardized Gaussian values (`M × n`).
  /// - Complexity: O(n · M · log L), plus a few normal distribution evaluations per
  ///   continuous value.
  static func draw<G: RandomNumberGenerator>(
    laws: [LIMEFeatureLaw], sampler: LIMESampler, count n: Int, generator: inout G
  ) -> (inputs: [Double], levels: [Int32], standardized: [Double]) {
    let m = laws.count
    var inputs = [Double](repeating: 0, count: n * m)
    var levels = [Int32](repeating: 0, count: n * m)
    var standardized = [Double](repeating: 0, count: n * m)
    var u = [Double](repeating: 0, count: n)
    for j in 0..<m {
      let f = laws[j].feature
      if f.isGaussian {
        for i in 0..<n {
          let z = generator.nextGaussian()
          standardized[j * n + i] = z
          inputs[i * m + j] = f.scalerMean + f.scalerScale * z
        }
        continue
      }
      latinUniforms(&u, generator: &generator)
      let missing = sampler.missingProbability(j, instanceMissing: false)
      var cdf = [Double](), total = 0.0
      for p in laws[j].frequencies {
        total += p
        cdf.append(total)
      }
      if !cdf.isEmpty { cdf[cdf.count - 1] = 1 }
      for i in 0..<n {
        if u[i] < missing || cdf.isEmpty {
          levels[j * n + i] = Int32(laws[j].levelCount)
          inputs[i * m + j] = .nan
          continue
        }
        let w = (u[i] - missing) / (1 - missing)
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
          let mid = (lo + hi) / 2
          if cdf[mid] > w { hi = mid } else { lo = mid + 1 }
        }
        levels[j * n + i] = Int32(lo)
        let code = f.levels[lo]
        if f.isCategorical {
          inputs[i * m + j] = code
        } else {
          let start = lo == 0 ? 0 : cdf[lo - 1]
          let v = min(max((w - start) / (cdf[lo] - start), 0), 1.0.nextDown)
          inputs[i * m + j] = truncatedNormalQuantile(f, bin: Int(code), v)
        }
      }
    }
    return (inputs, levels, standardized)
  }

  /// One feature's n uniforms: a random permutation of the strata (Fisher–Yates from the
  /// top, unbiased draws by multiply-high), then one uniform inside each stratum.
  private static func latinUniforms<G: RandomNumberGenerator>(_ u: inout [Double], generator: inout G) {
    let n = u.count
    var strata = Array(0..<n)
    for i in stride(from: n - 1, to: 0, by: -1) {
      let k = Int(UInt64(i + 1).multipliedFullWidth(by: generator.next()).high)
      strata.swapAt(i, k)
    }
    let width = 1 / Double(n)
    for i in 0..<n { u[i] = min((Double(strata[i]) + generator.nextUnitDouble()) * width, 1.0.nextDown) }
  }

  /// The value of bin b's truncated normal (`LIMESampler.truncatedNormal`'s law) at
  /// quantile v ∈ [0, 1).
  static func truncatedNormalQuantile(_ f: LIMETrainingStatistics.Feature, bin b: Int, _ v: Double) -> Double {
    let lo = f.binMinimums[b], hi = f.binMaximums[b]
    let mean = f.binMeans[b], sd = f.binStandardDeviations[b]
    let zLo = (lo - mean) / sd, zHi = (hi - mean) / sd
    if zLo == zHi { return lo }
    // Solve on the side of 0 where Φ keeps its relative precision.
    let z = zLo + zHi > 0 ? -standardQuantile(-zHi, -zLo, 1 - v) : standardQuantile(zLo, zHi, v)
    return min(max(mean + sd * z, lo), hi)
  }

  /// The z in [a, b] with Φ(z) = Φ(a) + v·(Φ(b) − Φ(a)): Newton's method from the mode,
  /// kept inside a bisection bracket; to about 1e-14 relative.
  private static func standardQuantile(_ a: Double, _ b: Double, _ v: Double) -> Double {
    let pa = phi(a), pb = phi(b)
    let target = pa + v * (pb - pa)
    var lo = a, hi = b
    var z = min(max(0, a), b)
    for _ in 0..<100 {
      let g = phi(z) - target
      if g == 0 { return z }
      if g > 0 { hi = z } else { lo = z }
      let density = expValue(-0.5 * z * z) * 0.398_942_280_401_432_7
      var next = density > 0 ? z - g / density : .nan
      if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
      if abs(next - z) <= 1e-14 * max(1, abs(z)) || hi - lo <= 1e-14 * max(1, abs(z)) { return next }
      z = next
    }
    return z
  }

  /// The standard normal distribution function.
  @inline(__always) private static func phi(_ z: Double) -> Double { 0.5 * erfcValue(-z * 0.707_106_781_186_547_5) }
}
