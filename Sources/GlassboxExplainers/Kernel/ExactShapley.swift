import GlassboxModels

/// Exact interventional Shapley values by brute force over every coalition
/// (`--method exact`), for validation and small models.
///
/// ```
/// v(S) = Σ_b w_b g(f(x_S, b_S̄)) / Σ_b w_b
/// φ_i  = Σ_{S ⊆ N∖{i}} |S|! (M−|S|−1)! / M! · (v(S ∪ {i}) − v(S))
/// ```
/// Every one of the `2^M` coalitions is evaluated on every background row, in batches;
/// no shortcut is taken, so this is an independent check of `KernelSHAP`. Players are
/// the model's columns or `FeatureGroups`. Efficiency holds to rounding
/// (`base + Σφ = g(f(x))`, ≈1e-15 relative); `standardErrors` is nil.
///
/// - Complexity: `2^M · B` model evaluations and O(M · 2^M) arithmetic per row, memory
///   O(2^M · outputs); M is limited to `maxPlayers` = 20.
public struct ExactShapley: Explainer {
  /// Settings.
  public struct Configuration: Sendable, Equatable {
    public var space: OutputSpace
    public var groups: FeatureGroups?
    /// Worker threads for the model evaluations of a row.
    public var threads: Int
    public init(space: OutputSpace = .raw, groups: FeatureGroups? = nil, threads: Int = 1) {
      precondition(threads >= 1, "threads must be at least 1")
      self.space = space
      self.groups = groups
      self.threads = threads
    }
  }

  /// The most players brute force accepts (2^20 coalitions per background row).
  public static let maxPlayers = 20

  public let model: any Model
  public let configuration: Configuration
  let background: PreparedBackground
  let players: [Player]

  public var method: String { "exact" }
  public var isExact: Bool { true }
  /// The weighted mean of g(f(b)) over the background, per output.
  public var baseValues: [Double] { background.baseValues }

  /// - Throws: `ShapleyGameError.tooManyPlayers` above 20 players;
  ///   `ExplainerError.invalidBackground` when the background does not fit the model.
  public init(model: any Model, background: Background, configuration: Configuration = .init()) throws {
    try validate(background, model: model)
    if let groups = configuration.groups {
      _ = try FeatureGroups(groups.groups, featureCount: model.featureCount)
    }
    let players = makePlayers(groups: configuration.groups, featureCount: model.featureCount)
    guard players.count <= Self.maxPlayers else {
      throw ShapleyGameError.tooManyPlayers(method: "exact", players: players.count, limit: Self.maxPlayers)
    }
    self.model = model
    self.configuration = configuration
    self.players = players
    self.background = PreparedBackground(
      background, evaluator: SpaceEvaluator(model: model, space: configuration.space, threads: configuration.threads))
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    checkExplainInputs(rows, count: count, featureCount: model.featureCount, rowIndices: rowIndices)
    let m = model.featureCount
    let k = model.outputCount
    let evaluator = SpaceEvaluator(model: model, space: configuration.space, threads: configuration.threads)
    let notes = groupNotes(configuration.groups, featureNames: model.featureNames)
    for r in 0..<count {
      let x = Array(rows[(r * m)..<((r + 1) * m)])
      let v = coalitionValues(x, evaluator: evaluator)
      let phi = shapley(v)
      let full = (1 << players.count) - 1
      for c in 0..<k {
        let perPlayer = (0..<players.count).map { phi[c * players.count + $0] }
        out.append(
          Explanation(
            row: rowIndices[rowIndices.startIndex + r], output: k == 1 ? nil : c, space: configuration.space,
            prediction: v[full * k + c], baseValue: background.baseValues[c],
            attributions: spreadToColumns(perPlayer, players: players, featureCount: m), inputs: x,
            notes: notes + ["exact: all \(full + 1) coalitions on \(background.count) background rows"]))
      }
    }
  }

  /// v(S) for every coalition mask (`2^M × k`, row-major).
  func coalitionValues(_ x: [Double], evaluator: SpaceEvaluator) -> [Double] {
    let m = model.featureCount
    let k = model.outputCount
    let nb = background.count
    let coalitions = 1 << players.count
    var v = [Double](repeating: 0, count: coalitions * k)
    let perChunk = max(1, 65536 / nb)
    var rows = [Double]()
    var first = 0
    while first < coalitions {
      let last = min(coalitions, first + perChunk)
      rows.removeAll(keepingCapacity: true)
      for mask in first..<last {
        for b in 0..<nb {
          let start = rows.count
          rows.append(contentsOf: background.rows[(b * m)..<((b + 1) * m)])
          for (p, player) in players.enumerated() where mask & (1 << p) != 0 {
            for f in player.features { rows[start + f] = x[f] }
          }
        }
      }
      let outputs = evaluator.outputs(rows, count: (last - first) * nb)
      for (i, mask) in (first..<last).enumerated() {
        for b in 0..<nb {
          for c in 0..<k {
            v[mask * k + c] += background.normalizedWeights[b] * outputs[(i * nb + b) * k + c]
          }
        }
      }
      first = last
    }
    return v
  }

  /// The textbook Shapley formula over the value table (`k × M`, output-major).
  func shapley(_ v: [Double]) -> [Double] {
    let mCount = players.count
    let k = model.outputCount
    var phi = [Double](repeating: 0, count: k * mCount)
    if mCount == 0 { return phi }
    // weight[s] = s! (M−s−1)! / M! = 1 / (M · C(M−1, s)).
    let weight = (0..<mCount).map { s in 1 / (Double(mCount) * binomial(mCount - 1, s)) }
    for mask in 0..<(1 << mCount) {
      let size = mask.nonzeroBitCount
      for i in 0..<mCount where mask & (1 << i) == 0 {
        let with = mask | (1 << i)
        for c in 0..<k { phi[c * mCount + i] += weight[size] * (v[with * k + c] - v[mask * k + c]) }
      }
    }
    return phi
  }
}
