import GlassboxModels
import GlassboxNumerics

/// Draws of lime's sampling law that do not depend on the instance, with the model's
/// margins: each feature's level (bin, category or "missing", drawn with the background's
/// frequencies) and value.
///
/// lime's sampler is the same for every instance, except that an instance missing a
/// feature the background never misses gets "missing" drawn as often as an average level
/// (`LIMESampler.missingProbability`); such an instance needs draws of its own. Draws of one
/// seed can therefore be evaluated once and shared by every row: the exact estimator's
/// score (`LIMEResidualDraws`) and the direct estimator (`DirectLIME`) importance-weight them
/// with each row's kernel. The draws are independent (`LIMEDrawDesign.independent`, the
/// exact estimator's score) or a scrambled Halton sequence (`.scrambledHalton`, the direct
/// estimator; `LIMEStratifiedDraws`); both follow lime's law draw by draw.
///
/// - Complexity: O(count · M · log L) to draw, plus one model batch of `count` rows.
struct LIMESharedDraws: Sendable {
  /// The number of draws.
  let count: Int
  /// The level index of each draw's feature (`M × count`, feature-major;
  /// `LIMEFeatureLaw.levelIndex`, −1 for a level the statistics do not know).
  let levels: [Int32]
  /// The standardized value of each draw's Gaussian features (`M × count`, feature-major;
  /// 0 for other features).
  let standardized: [Double]
  /// Margins of each draw (`count × outputs`).
  let margins: [Double]

  init(
    model: any Model, sampler: LIMESampler, laws: [LIMEFeatureLaw], count n: Int, seed: UInt64, stream: UInt64,
    design: LIMEDrawDesign = .independent
  ) {
    let m = laws.count
    var generator = Xoshiro256StarStar(seed: seed, stream: stream)
    if design == .scrambledHalton {
      let drawn = LIMEStratifiedDraws.draw(laws: laws, sampler: sampler, count: n, generator: &generator)
      count = n
      levels = drawn.levels
      standardized = drawn.standardized
      margins = model.predictMargins(drawn.inputs)
      return
    }
    let first = laws.map { $0.feature.levels.first ?? 0 }
    let hood = sampler.sample(instance: first[...], levels: first, samples: n + 1, generator: &generator)
    let inputs = Array(hood.inputs[m...])
    var levels = [Int32](repeating: 0, count: n * m)
    var standardized = [Double](repeating: 0, count: n * m)
    for j in 0..<m {
      if laws[j].feature.isGaussian {
        for i in 0..<n { standardized[j * n + i] = hood.binary[i + 1, j] }
        continue
      }
      for i in 0..<n { levels[j * n + i] = Int32(laws[j].levelIndex(of: inputs[i * m + j]) ?? -1) }
    }
    count = n
    self.levels = levels
    self.standardized = standardized
    margins = model.predictMargins(inputs)
  }
}
