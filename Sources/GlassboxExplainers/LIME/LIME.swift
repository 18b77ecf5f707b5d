import GlassboxData
import GlassboxModels
import GlassboxNumerics
import GlassboxSystem

/// LIME for tabular data: a weighted linear surrogate fitted on perturbed samples around
/// each instance, in the binary "same bin / same category as the instance" representation
/// (lime 0.2.0.1 `LimeTabularExplainer` with `discretize_continuous=True`); with
/// `LIMEDiscretizer.none` (`discretize_continuous=False`) continuous features are drawn
/// from a normal and enter the surrogate standardized, their condition being their name.
///
/// For each row: draw `samples − 1` perturbations from the background's statistics
/// (`LIMESampler`), predict them all in one batch, weight them with the exponential kernel
/// on their distance to the instance, select K features and fit a ridge surrogate
/// (`fitLIMESurrogate`). The explanation's `surrogate` holds the conditions, weights,
/// intercept, local prediction and weighted R² (`score`); `attributions` holds the weights
/// of the selected features (0 elsewhere) and `baseValue` the intercept, so
/// `baseValue + Σ attributions` is the local prediction (the instance is all ones).
///
/// Outputs: a binary classifier's positive-class probability (lime's label 1), each
/// class probability of a multi-class model, the raw output of a regressor; `space: .raw`
/// explains margins instead.
///
/// Determinism: row r draws from `Xoshiro256StarStar(seed:stream:)` with the row's
/// `RowStream` (its index, or its `--id-column` value), so a row's result
/// depends on the seed and the row only, never on threads or batching (with OpenBLAS on
/// one thread, as the CLI sets it). With `stabilityRuns` R > 0, R more runs with derived
/// seeds measure how stable the selected features and their signs are.
///
/// Estimators (`LIMEConfiguration.estimator`): sampled is the above; exact (`ExactLIME`)
/// computes the surrogate a `samples`-sample run is expected to give, in closed form, for a
/// tree ensemble's or a linear model's raw output (a random forest's class probabilities
/// included: their raw output is the trees' mean), in either mode: no model batch, no
/// seed, the same result for every seed and thread count; auto picks exact where it
/// applies. `sampleLimit` asks the exact estimator for the infinite-sample limit instead.
///
/// Missing values: see `LIMESampler` (an instance's missing value is its own level,
/// "`name is missing`"); background NaNs are left out of the statistics.
///
/// - Complexity: sampled, per row O(n·m·log L) sampling, one model batch of n rows, O(n·m²)
///   for the fits (O(n·K²·m) with forward selection); times (1 + R) with stability runs.
///   Exact: see `ExactLIME` (about one pass over the trees' leaves per row).
public struct LIME: StochasticExplainer {
  public let model: any Model
  public let configuration: LIMEConfiguration
  public let statistics: LIMETrainingStatistics
  /// The kernel width in use.
  public let kernelWidth: Double
  /// The explained space.
  public let space: OutputSpace
  private let sampler: LIMESampler
  private let outputs: [Int]
  /// The exact estimator, when it runs (`LIMEConfiguration.estimator`).
  private let exact: ExactLIME?
  /// The direct sampler of the kernel-weighted law, when it runs.
  private let direct: DirectLIME?

  public var method: String { "lime" }
  /// LIME's weights are a surrogate's, not Shapley values, whichever estimator runs.
  public var isExact: Bool { false }
  /// The estimator that runs: `.exact` or `.sampled` (auto resolved).
  public var estimator: LIMEEstimator { exact != nil ? .exact : direct != nil ? .direct : .sampled }
  /// Audit records keep the estimator that ran.
  public var recordedSettings: [String: JSONValue] { ["estimator": .string(estimator.rawValue)] }

  /// - Parameters:
  ///   - model: the model, used through batched `predictMargins` only.
  ///   - background: training rows the perturbations are drawn from.
  ///   - schema: which features are categorical and their labels (default: all numeric).
  /// - Throws: `ExplainerError` for unusable settings or background.
  /// - Complexity: O(rows · m · log rows) for the statistics.
  public init(
    model: any Model, background: Background, schema: FeatureSchema? = nil,
    configuration: LIMEConfiguration = LIMEConfiguration()
  ) throws {
    let schema = schema ?? FeatureSchema(names: model.featureNames)
    guard background.featureCount == model.featureCount, schema.count == model.featureCount else {
      throw ExplainerError.invalidBackground(
        path: background.source,
        problem: "it has \(background.featureCount) features, the model reads \(model.featureCount)")
    }
    func bad(_ problem: String) -> ExplainerError { .unsupportedOutput(method: "lime", problem: problem) }
    guard configuration.samples >= 2 else { throw bad("\(Parameter.samples) must be at least 2") }
    guard configuration.features >= 1 else { throw bad("\(Parameter.features) must be at least 1") }
    guard configuration.stabilityRuns >= 0 else { throw bad("\(Parameter.stabilityRuns) must be 0 or more") }
    if let w = configuration.kernelWidth, !(w > 0 && w.isFinite) {
      throw bad("\(Parameter.kernelWidth) must be a positive number")
    }
    let classifier = model.transform == .logistic || model.transform == .softmax
    let space = configuration.space ?? (classifier ? .probability : .raw)
    if space == .probability && !classifier {
      throw bad("probabilities need a classifier (logistic or softmax model); this model's output is \(model.transform.marginUnit)")
    }
    let outputs = configuration.outputs ?? Array(0..<model.outputCount)
    if let k = outputs.first(where: { $0 < 0 || $0 >= model.outputCount }) {
      throw bad("class \(k) is out of range: the model has \(model.outputCount) output(s)")
    }
    self.model = model
    self.configuration = configuration
    self.statistics = try LIMETrainingStatistics(
      background: background, schema: schema, discretizer: configuration.discretizer,
      labels: configuration.trainingLabels)
    self.kernelWidth = configuration.kernelWidth ?? limeDefaultKernelWidth(features: model.featureCount)
    self.space = space
    self.outputs = outputs
    self.sampler = LIMESampler(statistics: statistics, kernelWidth: kernelWidth)
    direct =
      configuration.estimator == .direct
      ? DirectLIME(
        model: model, statistics: statistics, sampler: sampler, samples: configuration.samples,
        seeds: [configuration.seed] + Self.stabilitySeeds(configuration), outputs: outputs.count,
        respond: { Self.explainedOutputs($0, model: model, space: space, outputs: outputs) }) : nil
    switch configuration.estimator {
    case .sampled, .direct:
      exact = nil
    case .exact:
      exact = try ExactLIME(model: model, statistics: statistics, sampler: sampler, space: space)
    case .auto:
      // A model the exact estimator cannot follow falls back to sampling.
      exact =
        ExactLIME.unsupportedReason(model: model, space: space) == nil
        ? try? ExactLIME(model: model, statistics: statistics, sampler: sampler, space: space) : nil
    }
    if configuration.sampleLimit && exact == nil {
      let reason =
        configuration.estimator == .sampled || configuration.estimator == .direct
        ? "a sampled run has finitely many samples"
        : "the exact estimator does not apply (\(ExactLIME.unsupportedReason(model: model, space: space) ?? "a split it cannot follow"))"
      throw bad("\(Parameter.samples) limit needs the exact estimator: \(reason)")
    }
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>, streams: ArraySlice<UInt64>,
    into out: inout [Explanation]
  ) throws {
    checkExplainInputs(rows, count: count, featureCount: model.featureCount, rowIndices: rowIndices, streams: streams)
    let m = model.featureCount
    let indices = Array(rowIndices)
    let streamList = Array(streams)
    let input = Array(rows)
    // Each row's result depends on the row alone (its stream included), so it is the same
    // for any thread count.
    for explanations in try parallelMap(count, threads: configuration.threads, { r in
      try explainRow(Array(input[(r * m)..<((r + 1) * m)]), row: indices[r], stream: streamList[r])
    }) { out += explanations }
  }

  /// The explanations of one row (one per explained output).
  func explainRow(_ instance: [Double], row: Int, stream: UInt64? = nil) throws -> [Explanation] {
    let stream = stream ?? RowStream.forRow(row)
    if let j = instance.indices.first(where: { instance[$0].isNaN && statistics.features[$0].isGaussian }) {
      throw ExplainerError.unsupportedOutput(
        method: "lime",
        problem: "row \(row) is missing '\(statistics.features[j].name)', which \(Parameter("discretizer")) none samples as a normal; impute it or bin the feature")
    }
    if let exact { return try exactExplanations(instance, row: row, exact: exact) }
    if let direct { return try directExplanations(instance, row: row, stream: stream, direct: direct) }
    let main = try surrogates(instance, row: row, stream: stream, seed: configuration.seed)
    let reruns = try Self.stabilitySeeds(configuration).map {
      try surrogates(instance, row: row, stream: stream, seed: $0).fits
    }
    let levels = instance.indices.map { statistics.features[$0].level(of: instance[$0]) }
    var notes = missingNotes(instance)
    if main.dropped > 0 {
      notes.append(
        "\(main.dropped) of \(configuration.samples) perturbed samples got no model output (missing values the model does not accept) and were left out of the fit")
    }
    return outputs.indices.map { o in
      var surrogate = localSurrogate(main.fits[o], levels: levels)
      surrogate.estimate = .sampled(evaluations: configuration.samples)
      if !reruns.isEmpty { surrogate.stability = stability(main.fits[o], reruns.map { $0[o] }) }
      return explanation(surrogate, row: row, output: o, prediction: main.predictions[o], instance: instance, notes: notes)
    }
  }

  /// The explanations of one row by the exact estimator (no sampling, no seed).
  private func exactExplanations(_ instance: [Double], row: Int, exact: ExactLIME) throws -> [Explanation] {
    let levels = instance.indices.map { statistics.features[$0].level(of: instance[$0]) }
    let notes = missingNotes(instance)
    let populations = try exact.populations(instance, outputs: outputs, row: row)
    return populations.indices.map { o in
      let samples = configuration.sampleLimit ? nil : configuration.samples
      let moments = LIMEPopulationMoments(populations[o], samples: samples)
      let fit = fitLIMEPopulationSurrogate(
        moments, features: configuration.features, selection: configuration.featureSelection,
        alpha: configuration.ridgeAlpha)
      var surrogate = localSurrogate(fit, levels: levels)
      surrogate.estimate = .exact(samples: samples, scoreIsEstimated: populations[o].residualIsEstimated)
      if configuration.stabilityRuns > 0 {
        // Every re-run with another seed gives this very surrogate.
        surrogate.stability = SurrogateStability(
          runs: configuration.stabilityRuns, signAgreement: fit.features.map { _ in 1 }, meanJaccard: 1, minJaccard: 1,
          isStable: true)
      }
      return explanation(
        surrogate, row: row, output: o, prediction: populations[o].instanceOutput, instance: instance, notes: notes)
    }
  }

  /// The explanations of one row by the direct estimator: the infinite-sample surrogate
  /// with its slopes' standard errors, from the seed's shared draws (`DirectLIME.pools`,
  /// importance-weighted with the row's kernel); stability re-runs use the derived seeds'
  /// draws, as the sampled estimator's.
  private func directExplanations(_ instance: [Double], row: Int, stream: UInt64, direct: DirectLIME) throws -> [Explanation] {
    let levels = instance.indices.map { statistics.features[$0].level(of: instance[$0]) }
    var margins = [Double](repeating: 0, count: model.outputCount)
    instance.withUnsafeBufferPointer { x in margins.withUnsafeMutableBufferPointer { model.predictMargins(x, count: 1, into: $0) } }
    let predictions = Self.explainedOutputs(margins[...], model: model, space: space, outputs: outputs)
    guard predictions.allSatisfy(\.isFinite) else {
      throw ExplainerError.unsupportedOutput(
        method: "lime",
        problem: "the model gives no output for row \(row) (it does not accept the row's missing values); impute them first")
    }
    func run(seed: UInt64) throws -> [(fit: LIMESurrogateFit, errors: [Double])] {
      var generator = Xoshiro256StarStar(seed: seed, stream: stream)
      let estimates = try direct.populations(
        instance, outputs: outputs, instanceOutputs: predictions, samples: configuration.samples, seed: seed,
        row: row, generator: &generator)
      return estimates.map { estimate in
        let fit = fitLIMEPopulationSurrogate(
          LIMEPopulationMoments(estimate.population, samples: nil), features: configuration.features,
          selection: configuration.featureSelection, alpha: configuration.ridgeAlpha)
        return (fit, estimate.errors)
      }
    }
    let main = try run(seed: configuration.seed)
    let reruns = try Self.stabilitySeeds(configuration).map { try run(seed: $0).map(\.fit) }
    let notes = missingNotes(instance)
    return outputs.indices.map { o in
      var surrogate = localSurrogate(main[o].fit, levels: levels)
      surrogate.estimate = .direct(evaluations: configuration.samples)
      if !reruns.isEmpty { surrogate.stability = stability(main[o].fit, reruns.map { $0[o] }) }
      var e = explanation(surrogate, row: row, output: o, prediction: predictions[o], instance: instance, notes: notes)
      e.standardErrors = main[o].errors
      return e
    }
  }

  /// The seeds of the stability re-runs (`LIMEConfiguration.stabilityRuns`).
  static func stabilitySeeds(_ configuration: LIMEConfiguration) -> [UInt64] {
    var mixer = SplitMix64(seed: configuration.seed ^ 0x4C49_4D45_5374_6162)
    return (0..<max(0, configuration.stabilityRuns)).map { _ in mixer.next() }
  }

  /// The explained outputs of one row's margins: the margins themselves (raw space), or
  /// the responses (probabilities) of the explained classes.
  static func explainedOutputs(
    _ margins: ArraySlice<Double>, model: any Model, space: OutputSpace, outputs: [Int]
  ) -> [Double] {
    if space == .raw { return outputs.map { margins[margins.startIndex + $0] } }
    let values = model.responses(fromMargins: margins)
    return outputs.map { values[$0] }
  }

  private func localSurrogate(_ fit: LIMESurrogateFit, levels: [Double]) -> LocalSurrogate {
    LocalSurrogate(
      features: fit.features, conditions: fit.features.map { statistics.features[$0].condition(level: levels[$0]) },
      weights: fit.weights, intercept: fit.intercept, localPrediction: fit.localPrediction, score: fit.score)
  }

  private func explanation(
    _ surrogate: LocalSurrogate, row: Int, output o: Int, prediction: Double, instance: [Double], notes: [String]
  ) -> Explanation {
    var attributions = [Double](repeating: 0, count: instance.count)
    for (c, j) in surrogate.features.enumerated() { attributions[j] = surrogate.weights[c] }
    var e = Explanation(
      row: row, output: model.outputCount == 1 ? nil : outputs[o], space: space, prediction: prediction,
      baseValue: surrogate.intercept, attributions: attributions, inputs: instance, notes: notes)
    e.surrogate = surrogate
    return e
  }

  /// Samples, predicts and fits one surrogate per explained output.
  private func surrogates(
    _ instance: [Double], row: Int, stream: UInt64, seed: UInt64
  ) throws -> (fits: [LIMESurrogateFit], predictions: [Double], dropped: Int) {
    let n = configuration.samples
    var generator = Xoshiro256StarStar(seed: seed, stream: stream)
    let levels = instance.indices.map { statistics.features[$0].level(of: instance[$0]) }
    let hood = sampler.sample(instance: instance[...], levels: levels, samples: n, generator: &generator)
    let k = model.outputCount
    var margins = [Double](repeating: 0, count: n * k)
    hood.inputs.withUnsafeBufferPointer { x in
      margins.withUnsafeMutableBufferPointer { o in model.predictMargins(x, count: n, into: o) }
    }
    var targets = [[Double]](repeating: [Double](repeating: 0, count: n), count: outputs.count)
    var weights = hood.weights
    var dropped = 0
    let logistic = k == 1 && model.transform == .logistic && space == .probability
    for i in 0..<n {
      let base = i * k
      var finite = true
      if space == .raw || logistic {
        for (o, c) in outputs.enumerated() {
          let margin = margins[base + c]
          let v = logistic ? 1 / (1 + expValue(-margin)) : margin
          targets[o][i] = v
          finite = finite && v.isFinite
        }
      } else {
        let values = model.responses(fromMargins: margins[base..<(base + k)])
        for (o, c) in outputs.enumerated() {
          targets[o][i] = values[c]
          finite = finite && values[c].isFinite
        }
      }
      if !finite {
        // The model gives no output for this sample (a missing value it does not accept):
        // the sample leaves the fit.
        if i == 0 {
          throw ExplainerError.unsupportedOutput(
            method: "lime",
            problem: "the model gives no output for row \(row) (it does not accept the row's missing values); impute them first")
        }
        weights[i] = 0
        dropped += 1
        for o in outputs.indices { targets[o][i] = 0 }
      }
    }
    var fits: [LIMESurrogateFit] = []
    for o in outputs.indices {
      fits.append(
        try fitLIMESurrogate(
          data: hood.binary, labels: targets[o], weights: weights, features: configuration.features,
          selection: configuration.featureSelection, alpha: configuration.ridgeAlpha))
    }
    return (fits, targets.map { $0[0] }, dropped)
  }

  /// Sign agreement and top-K overlap of `main` with the re-runs.
  func stability(_ main: LIMESurrogateFit, _ reruns: [LIMESurrogateFit]) -> SurrogateStability {
    let k = configuration.features
    let top = Set(main.features.prefix(k))
    var jaccards: [Double] = []
    for r in reruns {
      let other = Set(r.features.prefix(k))
      let union = top.union(other).count
      jaccards.append(union == 0 ? 1 : Double(top.intersection(other).count) / Double(union))
    }
    let agreement = main.features.indices.map { c -> Double in
      let j = main.features[c]
      let same = reruns.filter { r in
        guard let at = r.features.prefix(k).firstIndex(of: j) else { return false }
        return (r.weights[at] > 0) == (main.weights[c] > 0)
      }.count
      return Double(same) / Double(reruns.count)
    }
    let mean = jaccards.reduce(0, +) / Double(jaccards.count)
    let stable =
      mean >= configuration.stableJaccard
      && agreement.prefix(k).allSatisfy { $0 >= configuration.stableSignAgreement }
    return SurrogateStability(
      runs: reruns.count, signAgreement: agreement, meanJaccard: mean, minJaccard: jaccards.min() ?? 1,
      isStable: stable)
  }

  private func missingNotes(_ instance: [Double]) -> [String] {
    instance.indices.filter { instance[$0].isNaN }.map { j in
      let f = statistics.features[j]
      let p = sampler.missingProbability(j, instanceMissing: true)
      let rate = shortNumber(p * 100) + "%"
      return f.missingFraction > 0
        ? "\(f.name) is missing: its condition is '\(f.name) is missing'; samples are missing at the background rate (\(rate))"
        : "\(f.name) is missing but never in the background: samples are missing at \(rate) (one level's share) to explain it"
    }
  }
}
