import GlassboxModels
import GlassboxNumerics
import GlassboxSystem

/// Kernel SHAP (Lundberg & Lee 2017) for any model, used only through batched predictions.
///
/// Explains the interventional game `v(S) = Σ_b w_b g(f(x_S, b_S̄)) / Σ_b w_b` over a
/// weighted background, with g the identity (`.raw`: margins, log-odds for classifiers,
/// like shap's `link="logit"`) or the model's response transform (`.probability`).
///
/// Per row:
/// 1. Players (columns, or `FeatureGroups`) equal in x and in every background row get
///    exactly 0 and leave the game.
/// 2. `.perBackground` (the default): one game per background row, over the players in
///    which that row differs from x, exact when its coalitions fit the budget and sampled
///    with shap's design otherwise (`PerBackgroundSampler`); standard errors from three
///    shares of each game's samples. `.auto` starts at 192 coalitions per background row and doubles until
///    `max se ≤ tolerance · (max φ − min φ)` for every output, or `maxSamples`.
/// 3. `.shared` (shap's way): **exact** when all `2^M − 2` coalitions fit the budget, or
///    (with `exactWhenAffordable`) when exact enumeration needs no more distinct model
///    evaluations than sampling would: a hybrid row depends only on the players where
///    the background row differs from x, so exact Shapley values cost
///    `Σ_b (2^|D_b| − 2)` evaluations. Otherwise **sampled**: shap's design (size classes
///    enumerated from the extremes while the budget allows, paired sampling of the rest,
///    `CoalitionPlan`) shared by all background rows, the weighted least squares solved
///    by LAPACK with the efficiency constraint exact (`KernelRegression`), and standard
///    errors from the spread of estimates on batches of the sampled coalitions (Covert &
///    Lee 2021): `se = sd(batch estimates) / √batches`. With `.auto` sampling continues
///    until the same criterion, or `maxSamples` coalitions.
///
/// Exact results equal the Shapley values to rounding (≈1e-15 relative) and have nil
/// `standardErrors`.
///
/// Every row draws from `Xoshiro256StarStar(seed:stream:)` with its `RowStream` (its index, or
/// its `--id-column` value) and caches its own
/// hybrid rows, so a row's result is bit-identical whatever the batch, order or
/// `threads` (given a model whose prediction of a row does not depend on its batch,
/// as for every glassbox model). Efficiency holds to rounding: `base + Σφ = f(x)`.
///
/// - Complexity: per row, at most `samples · B` model evaluations for B distinct
///   background rows (usually far fewer: identical hybrid rows are evaluated once), plus
///   O(samples · M²) per least-squares solve (one per output, or four per output and
///   sampled background row's game with `.perBackground`).
public struct KernelSHAP: StochasticExplainer {
  /// How many coalitions to evaluate per row.
  public enum Samples: Sendable, Equatable {
    /// Sample until the standard errors meet `tolerance`, at most `maxSamples`.
    case auto
    /// Exactly this many coalitions (shap's `nsamples`), at least `2M + 4`.
    case fixed(Int)
  }

  /// How coalitions are drawn when a row is not enumerated exactly.
  public enum Design: String, Sendable, Equatable, CaseIterable {
    /// Each background row's game gets its own `samples` coalitions, and is exact when
    /// they cover it (`PerBackgroundSampler`). The default: independent errors that
    /// average out over the background.
    case perBackground = "per-background"
    /// One set of `samples` coalitions for all background rows, as shap's
    /// KernelExplainer does (`KernelSampler`).
    case shared
  }

  /// Settings; the defaults suit most models.
  public struct Configuration: Sendable, Equatable {
    public var samples: Samples
    /// Per background row (`.perBackground`) or shared (`.shared`) coalitions.
    public var design: Design
    /// Convergence target of `.auto`: largest standard error / spread of attributions.
    public var tolerance: Double
    /// The cap on coalitions per row for `.auto`.
    public var maxSamples: Int
    public var seed: UInt64
    public var space: OutputSpace
    /// Columns that act as one player (one-hot encodings); nil: one player per column.
    public var groups: FeatureGroups?
    public var solver: LeastSquaresSolver
    /// Worker threads (over rows, or over a single row's model evaluations).
    public var threads: Int
    /// `.shared` only: use exact enumeration whenever it needs no more model evaluations
    /// than sampling.
    public var exactWhenAffordable: Bool

    public init(
      samples: Samples = .auto, design: Design = .perBackground, tolerance: Double = 0.01, maxSamples: Int = 16384, seed: UInt64 = 42,
      space: OutputSpace = .raw, groups: FeatureGroups? = nil, solver: LeastSquaresSolver = .qr,
      threads: Int = 1, exactWhenAffordable: Bool = true
    ) {
      precondition(tolerance > 0 && maxSamples >= 2 && threads >= 1, "invalid Kernel SHAP configuration")
      if case .fixed(let n) = samples { precondition(n >= 1, "Kernel SHAP: a fixed number of samples must be positive") }
      self.samples = samples
      self.design = design
      self.tolerance = tolerance
      self.maxSamples = maxSamples
      self.seed = seed
      self.space = space
      self.groups = groups
      self.solver = solver
      self.threads = threads
      self.exactWhenAffordable = exactWhenAffordable
    }
  }

  /// The most players (after removing those equal to the whole background) per row.
  public static let maxPlayers = 64

  public let model: any Model
  public let configuration: Configuration
  /// The weighted mean of g(f(b)) over the background, per output.
  public var baseValues: [Double] { background.baseValues }
  let background: PreparedBackground
  let players: [Player]

  public var method: String { "kernel" }
  /// False: rows may be sampled; a row explained exactly has nil `standardErrors`.
  public var isExact: Bool { false }

  /// Evaluates the background once.
  /// - Throws: `ExplainerError.invalidBackground` when the background does not fit the
  ///   model or its weights are unusable; `ShapleyGameError` for groups beyond the model.
  /// - Complexity: B model evaluations.
  public init(model: any Model, background: Background, configuration: Configuration = .init()) throws {
    try validate(background, model: model)
    if let groups = configuration.groups {
      _ = try FeatureGroups(groups.groups, featureCount: model.featureCount)
    }
    self.model = model
    self.configuration = configuration
    players = makePlayers(groups: configuration.groups, featureCount: model.featureCount)
    self.background = PreparedBackground(
      background, evaluator: SpaceEvaluator(model: model, space: configuration.space, threads: configuration.threads))
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>, streams: ArraySlice<UInt64>,
    into out: inout [Explanation]
  ) throws {
    checkExplainInputs(rows, count: count, featureCount: model.featureCount, rowIndices: rowIndices, streams: streams)
    let m = model.featureCount
    let streamList = Array(streams)
    // One row alone may use the threads for its model evaluations; several rows share them out.
    let rowThreads = count > 1 ? configuration.threads : 1
    let evaluator = SpaceEvaluator(
      model: model, space: configuration.space, threads: rowThreads > 1 ? 1 : configuration.threads)
    let indices = Array(rowIndices)
    let input = Array(rows)
    // Each row's result depends on the row alone (its stream included), so it is the same
    // for any thread count.
    for explanations in try parallelMap(count, threads: rowThreads, { r in
      try explainRow(Array(input[(r * m)..<((r + 1) * m)]), row: indices[r], stream: streamList[r], evaluator: evaluator)
    }) { out += explanations }
  }

  /// One row's explanations, one per output.
  func explainRow(_ x: [Double], row: Int, stream: UInt64? = nil, evaluator: SpaceEvaluator) throws -> [Explanation] {
    let k = model.outputCount
    let fx = evaluator.outputs(x, count: 1)
    let setup = GameSetup(x: x, players: players, background: background)
    let mVarying = setup.varying.count
    guard mVarying <= Self.maxPlayers else {
      throw ShapleyGameError.tooManyPlayers(method: "kernel", players: mVarying, limit: Self.maxPlayers)
    }
    var notes = groupNotes(configuration.groups, featureNames: model.featureNames)
    notes.append(contentsOf: setup.constantNote(players: players, featureNames: model.featureNames))
    var game = InstanceGame(
      evaluator: evaluator, x: x, players: setup.varying.map { players[$0].features }, background: background,
      differences: setup.differences, instanceOutputs: fx)
    var phi = [Double](repeating: 0, count: k * mVarying)
    var errors: [Double]? = nil
    let budget: Int
    switch configuration.samples {
    case .auto: budget = min(configuration.maxSamples, 2 * mVarying + 2048)
    case .fixed(let n): budget = n
    }
    let allCoalitions = mVarying >= 62 ? Double.infinity : Double((1 << mVarying) - 2)
    if mVarying == 1 {
      for c in 0..<k { phi[c] = fx[c] - background.baseValues[c] }
      notes.append("kernel: exact (one player varies)")
    } else if mVarying > 1 && configuration.samples == .auto && exactIsAffordable(game, players: mVarying) {
      phi = game.exactValues()
      notes.append("kernel: exact, every coalition of every background game enumerated (\(game.evaluations) distinct model evaluations)")
    } else if mVarying > 1 && configuration.design == .perBackground {
      var rng = Xoshiro256StarStar(seed: configuration.seed, stream: stream ?? RowStream.forRow(row))
      let estimate = try perBackgroundEstimate(game: game, rng: &rng)
      phi = estimate.phi
      errors = estimate.standardErrors
      notes.append(estimate.note)
    } else if mVarying > 1
      && (allCoalitions <= Double(budget)
        || (configuration.exactWhenAffordable && game.exactCost <= Double(budget) * Double(background.count)))
    {
      phi = game.exactValues()
      notes.append("kernel: exact, every coalition enumerated (\(game.evaluations) distinct model evaluations)")
    } else if mVarying > 1 {
      var rng = Xoshiro256StarStar(seed: configuration.seed, stream: stream ?? RowStream.forRow(row))
      let estimate = try KernelSampler(
        configuration: configuration, plan: CoalitionPlan(players: mVarying, budget: budget), outputs: k,
        empty: background.baseValues, full: fx
      ).run(game: &game, rng: &rng)
      phi = estimate.phi
      errors = estimate.standardErrors
      notes.append(estimate.note + ", \(game.evaluations) distinct model evaluations")
    }
    let width = players.count
    return (0..<k).map { c in
      var perPlayer = [Double](repeating: 0, count: width)
      var perPlayerErrors = [Double](repeating: 0, count: width)
      for (i, p) in setup.varying.enumerated() {
        perPlayer[p] = phi[c * mVarying + i]
        if let errors { perPlayerErrors[p] = errors[c * mVarying + i] }
      }
      return Explanation(
        row: row, output: k == 1 ? nil : c, space: configuration.space, prediction: fx[c],
        baseValue: background.baseValues[c],
        attributions: spreadToColumns(perPlayer, players: players, featureCount: x.count),
        standardErrors: errors == nil
          ? nil : spreadToColumns(perPlayerErrors, players: players, featureCount: x.count),
        inputs: x, notes: notes)
    }
  }
}

extension KernelSHAP {
  /// Under `--samples auto`, games of at most this many players are enumerated exactly,
  /// as shap's KernelExplainer does by default (its 2M + 2048 samples cover 2^11 − 2).
  public static let exactPlayerLimit = 11
  /// Under `--samples auto`, larger games are enumerated exactly when that needs at most
  /// this many times the model evaluations of the first sampled round (192 coalitions per
  /// background game): exact values then cost about as much as a converged estimate.
  public static let exactCostMultiple = 4.0

  /// Whether `--samples auto` enumerates every coalition of `game` (see `exactPlayerLimit`
  /// and `exactCostMultiple`).
  func exactIsAffordable(_ game: InstanceGame, players: Int) -> Bool {
    if players <= Self.exactPlayerLimit { return true }
    let firstRound = Double(min(192, configuration.maxSamples)) * Double(game.differences.count)
    return game.exactCost <= Self.exactCostMultiple * firstRound
  }

  /// The per-background-row estimate: `--samples N` coalitions per background row, or
  /// (`.auto`) 192, doubled until the largest standard error is within `tolerance` of
  /// the attribution spread or the budget reaches `maxSamples`.
  func perBackgroundEstimate(game: InstanceGame, rng: inout Xoshiro256StarStar) throws
    -> (phi: [Double], standardErrors: [Double]?, note: String)
  {
    let sampler = PerBackgroundSampler(solver: configuration.solver, outputs: model.outputCount)
    let games = game.differences.indices.filter { game.background.normalizedWeights[$0] > 0 }.count
    var budget: Int
    switch configuration.samples {
    case .fixed(let n): budget = n
    case .auto: budget = min(192, configuration.maxSamples)
    }
    var evaluations = 0
    while true {
      let e = try sampler.estimate(game: game, budget: budget, rng: &rng)
      evaluations += e.evaluations
      guard let errors = e.standardErrors else {
        return (e.phi, nil, "kernel: exact, every coalition of each of \(games) background rows' games enumerated (\(evaluations) distinct model evaluations)")
      }
      let ratio = largestRelativeError(
        phi: e.phi, errors: errors, players: game.playerCount, outputs: model.outputCount)
      let head = "kernel: \(budget) coalitions per background row, \(e.sampledGames) of \(games) games sampled, the rest exact"
      let tail = ", \(evaluations) distinct model evaluations"
      switch configuration.samples {
      case .fixed:
        return (e.phi, errors, head + ", largest std error \(shortNumber(errors.max() ?? 0))" + tail)
      case .auto:
        if ratio <= configuration.tolerance {
          return (e.phi, errors, head + ", converged: largest std error \(shortNumber(ratio)) of the attribution spread (tolerance \(shortNumber(configuration.tolerance)))" + tail)
        }
        if budget >= configuration.maxSamples {
          return (e.phi, errors, head + ", NOT converged at the cap of \(configuration.maxSamples): largest std error \(shortNumber(ratio)) of the spread (tolerance \(shortNumber(configuration.tolerance)))" + tail)
        }
        budget = min(configuration.maxSamples, 2 * budget)
      }
    }
  }
}

/// Checks that a background fits a model.
func validate(_ background: Background, model: any Model) throws {
  guard background.featureCount == model.featureCount, background.count > 0 else {
    throw ExplainerError.invalidBackground(
      path: background.source,
      problem: "it has \(background.count) rows of \(background.featureCount) features; the model needs \(model.featureCount)")
  }
  guard background.weights.allSatisfy({ $0.isFinite && $0 >= 0 }), background.weights.reduce(0, +) > 0 else {
    throw ExplainerError.invalidBackground(
      path: background.source, problem: "row weights must be non-negative with a positive sum")
  }
}

/// Which players vary between x and the background, and where each background row differs.
struct GameSetup {
  /// Indices (into the players) of the players that differ from some background row.
  let varying: [Int]
  /// D_b per background row, as masks over `varying`.
  let differences: [UInt64]

  init(x: [Double], players: [Player], background: PreparedBackground) {
    let m = x.count
    var differs = [[Bool]](repeating: [], count: background.count)
    var any = [Bool](repeating: false, count: players.count)
    for b in 0..<background.count {
      differs[b] = players.map { player in
        player.features.contains { f in
          let v = background.rows[b * m + f]
          return !(v == x[f] || (v.isNaN && x[f].isNaN))
        }
      }
      for p in 0..<players.count where differs[b][p] { any[p] = true }
    }
    let varyingPlayers = (0..<players.count).filter { any[$0] }
    varying = varyingPlayers
    differences = differs.map { row in
      var mask: UInt64 = 0
      for (i, p) in varyingPlayers.enumerated() where i < 64 && row[p] { mask |= 1 << UInt64(i) }
      return mask
    }
  }

  /// A note naming the players that equal every background row (attribution 0).
  func constantNote(players: [Player], featureNames: [String]) -> [String] {
    let constant = Set(0..<players.count).subtracting(varying).sorted()
    guard !constant.isEmpty else { return [] }
    let names = constant.prefix(5).map { featureNames[players[$0].features[0]] }
    let more = constant.count > 5 ? ", ..." : ""
    return [
      "\(constant.count) feature(s) equal the instance in every background row and get exactly 0 (\(names.joined(separator: ", "))\(more))"
    ]
  }
}
