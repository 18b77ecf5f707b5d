import GlassboxNumerics

/// Kernel SHAP stratified by background row: one small game per background row, each
/// exact when it is small and sampled with shap's design when it is not.
///
/// The interventional game is a weighted mean of per-row games,
/// `v(S) = Σ_b w_b F_b(S ∩ D_b)` with `F_b(T) = g(f(x_T, b_T̄))`, and Shapley values are
/// linear in the game, so `φ = Σ_b w_b φ(F_b)`. The game of row b has only the |D_b| players
/// in which b differs from x. With a budget of N coalitions per background row:
/// - **exact** when `2^|D_b| − 2 ≤ N`: every coalition enumerated (on Adult most rows
///   differ from x in 5 to 9 features; at N = 192 games of up to 7 players are exact);
/// - otherwise **sampled**: `CoalitionPlan(players: |D_b|, budget: N)` (size classes
///   enumerated from the extremes, paired sampling of the rest) and the constrained
///   regression of `KernelRegression`, with `F_b(∅) = g(f(b))` and `F_b(D_b) = g(f(x))`.
///
/// Why: shap samples one set of coalitions for all background rows, so its sampling error
/// is shared by all of them and does not average out; here each background row draws its own
/// coalitions, the errors are independent, and their weighted mean has variance
/// `Σ_b w_b² Var φ(F_b)`. On the Adult XGBoost model (bench/kernel, 100 background rows)
/// 192 coalitions per background row reach a mean error of 1.0e-3, below shap's 1.4e-3 at
/// nsamples=2048, with about 12,000 distinct model evaluations per row.
///
/// Standard error: each sampled game is also solved on G = 3 equal shares of its random
/// pairs (each with the enumerated classes); the shares' sample variance over G estimates
/// the variance of the whole game's estimate, and `se_i = √(Σ_b w_b² var_b,i)`. Exact
/// games add no variance; when every game is exact the result is exact and has no standard
/// errors. Measured on Adult at the default budget, 93% of sampled attributions lie
/// within 1.96 se of the exact value (nominal 95%; 90% with two shares).
struct PerBackgroundSampler {
  let solver: LeastSquaresSolver
  let outputs: Int

  struct Estimate {
    /// `outputs × M`, output-major.
    var phi: [Double]
    /// nil when every background row's game was enumerated exactly.
    var standardErrors: [Double]?
    /// Background rows (with positive weight) whose game was sampled.
    var sampledGames: Int
    /// Distinct hybrid rows evaluated.
    var evaluations: Int
  }

  /// Shares of a sampled game's random pairs solved separately for its variance.
  static let varianceGroups = 3

  /// The smallest budget of a game of `d` players: enough to enumerate every single
  /// player and its complement, so that every regression (and each share) is determined.
  static func minimumBudget(players d: Int) -> Int { CoalitionPlan.budgetEnumeratingSingletons(players: d) }

  /// One estimate with `budget` coalitions per background row.
  /// - Throws: `ShapleyGameError.underdetermined` when a sampled game's regression is
  ///   rank deficient (not expected: the singletons and their complements are enumerated).
  /// - Complexity: `Σ_b min(2^|D_b| − 2, budget)` model evaluations and, per sampled game
  ///   and output, 1 + `varianceGroups` least-squares solves of at most `budget × (|D_b| − 1)`.
  func estimate(game: InstanceGame, budget: Int, rng: inout Xoshiro256StarStar) throws -> Estimate {
    let nb = game.background.count
    let k = outputs
    let mCount = game.playerCount
    let weights = game.background.normalizedWeights
    var plans: [Int: CoalitionPlan] = [:]

    // 1. Each game's coalitions (local masks over its players), hybrid rows batched.
    struct Stratum {
      var players: [Int]
      var exact: Bool
      /// Local coalitions in order: enumerated, then random pairs (sampled games only).
      var masks: [UInt64] = []
      var enumeratedCount = 0
      /// Row of each mask in the batch (exact games: row of local mask t is start + t − 1).
      var rows: [Int32] = []
      var start = 0
    }
    var strata: [Stratum] = []
    strata.reserveCapacity(nb)
    var hybrid: [Double] = []
    var count = 0
    // Outputs of the hybrid rows so far; rows are evaluated in batches of at most
    // `InstanceGame.rowsPerBatch`, which bounds memory whatever the budget.
    var values: [Double] = []
    var evaluated = 0
    func flush() {
      values += game.evaluator.outputs(hybrid, count: count - evaluated)
      hybrid.removeAll(keepingCapacity: true)
      evaluated = count
    }
    for b in 0..<nb {
      let bits = setBits(game.differences[b])
      let d = bits.count
      guard weights[b] > 0, d >= 2 else {
        strata.append(Stratum(players: bits, exact: true))
        continue
      }
      let n = max(budget, Self.minimumBudget(players: d))
      if Double(sign: .plus, exponent: d, significand: 1) - 2 <= Double(n) {
        var s = Stratum(players: bits, exact: true)
        s.start = count
        for t in 1..<((1 << d) - 1) { game.appendHybrid(b, expand(UInt64(t), bits), to: &hybrid) }
        count += (1 << d) - 2
        strata.append(s)
        if count - evaluated >= InstanceGame.rowsPerBatch { flush() }
        continue
      }
      let plan = plans[d] ?? CoalitionPlan(players: d, budget: n)
      plans[d] = plan
      var s = Stratum(players: bits, exact: false)
      s.masks = plan.enumerated
      s.enumeratedCount = plan.enumerated.count
      let pairs = max(2, (n - plan.enumerated.count + 1) / 2)
      plan.samplePairs(pairs, rng: &rng, into: &s.masks)
      var seen: [UInt64: Int32] = [:]
      seen.reserveCapacity(s.masks.count)
      s.rows = s.masks.map { mask in
        if let row = seen[mask] { return row }
        let row = Int32(count)
        seen[mask] = row
        game.appendHybrid(b, expand(mask, bits), to: &hybrid)
        count += 1
        return row
      }
      strata.append(s)
      if count - evaluated >= InstanceGame.rowsPerBatch { flush() }
    }
    if count > evaluated { flush() }

    // 2. Each game's Shapley values, weighted into φ; sampled games add their variance.
    var phi = [Double](repeating: 0, count: k * mCount)
    var variance = [Double](repeating: 0, count: k * mCount)
    var sampledGames = 0
    let fx = game.instanceOutputs
    for (b, s) in strata.enumerated() where weights[b] > 0 && !s.players.isEmpty {
      let d = s.players.count
      let w = weights[b]
      if d == 1 {
        for c in 0..<k { phi[c * mCount + s.players[0]] += w * (fx[c] - game.background.outputs[b * k + c]) }
        continue
      }
      if s.exact {
        let full = (1 << d) - 1
        for c in 0..<k {
          let local = exactLocalShapley(players: d) { t in
            if t == 0 { return game.background.outputs[b * k + c] }
            if t == full { return fx[c] }
            return values[(s.start + t - 1) * k + c]
          }
          for i in 0..<d { phi[c * mCount + s.players[i]] += w * local[i] }
        }
        continue
      }
      sampledGames += 1
      let plan = plans[d]!
      let gathered = s.rows.flatMap { row in values[(Int(row) * k)..<((Int(row) + 1) * k)] }
      let random = s.masks.count - s.enumeratedCount
      let pairs = random / 2
      let share = plan.sampledMass / Double(max(1, random))
      let kernelWeights = plan.enumeratedWeights + [Double](repeating: share, count: random)
      // The variance groups: enumerated classes plus one of G equal shares of the pairs.
      let groupCount = min(Self.varianceGroups, pairs)
      let groups: [[Int]] = (0..<groupCount).map { g in
        let lo = s.enumeratedCount + 2 * (g * pairs / groupCount)
        let hi = s.enumeratedCount + 2 * ((g + 1) * pairs / groupCount)
        return Array(0..<s.enumeratedCount) + Array(lo..<hi)
      }
      for c in 0..<k {
        let empty = game.background.outputs[b * k + c]
        let whole = try solveGame(
          s.masks[...], kernelWeights[...], gathered[...], output: c, empty: empty, full: fx[c], players: d)
        for i in 0..<d { phi[c * mCount + s.players[i]] += w * whole[i] }
        var parts: [[Double]] = []
        for group in groups {
          let randomInGroup = group.count - s.enumeratedCount
          let groupShare = plan.sampledMass / Double(max(1, randomInGroup))
          let masks = group.map { s.masks[$0] }
          let gw = group.map { $0 < s.enumeratedCount ? kernelWeights[$0] : groupShare }
          let gv = group.flatMap { gathered[($0 * k)..<(($0 + 1) * k)] }
          if let part = try? solveGame(masks[...], gw[...], gv[...], output: c, empty: empty, full: fx[c], players: d) {
            parts.append(part)
          }
        }
        guard parts.count == groupCount, groupCount >= 2 else { continue }
        // Var(whole) ≈ Var(group estimate) / G, from the groups' sample variance.
        let g = Double(groupCount)
        for i in 0..<d {
          let mean = parts.reduce(0) { $0 + $1[i] } / g
          let spread = parts.reduce(0) { $0 + ($1[i] - mean) * ($1[i] - mean) } / (g - 1)
          variance[c * mCount + s.players[i]] += w * w * spread / g
        }
      }
    }
    return Estimate(
      phi: phi, standardErrors: sampledGames == 0 ? nil : variance.map { $0.squareRoot() },
      sampledGames: sampledGames, evaluations: count)
  }

  private func solveGame(
    _ masks: ArraySlice<UInt64>, _ weights: ArraySlice<Double>, _ values: ArraySlice<Double>, output: Int,
    empty: Double, full: Double, players d: Int
  ) throws -> [Double] {
    do {
      return try KernelRegression.solve(
        masks: masks, weights: weights, values: values, valueStride: outputs, output: output, empty: empty, full: full,
        players: d, solver: solver)
    } catch {
      throw ShapleyGameError.underdetermined(samples: masks.count, players: d)
    }
  }
}

/// The exact Shapley values of a `d`-player game given by `value(t)` for every local
/// coalition t (bit i = player i), including ∅ and the grand coalition:
/// `φ_i = Σ_{T ∌ i} |T|! (d−|T|−1)! / d! · (v(T ∪ i) − v(T))`.
/// - Complexity: O(d · 2^d) arithmetic, 2^d calls of `value`.
func exactLocalShapley(players d: Int, value: (Int) -> Double) -> [Double] {
  let full = (1 << d) - 1
  // coefficient[s] = s! (d−s−1)! / d! = 1 / (d · C(d−1, s)).
  let coefficient = (0..<d).map { s in 1 / (Double(d) * binomial(d - 1, s)) }
  var values = [Double](repeating: 0, count: full + 1)
  for t in 0...full { values[t] = value(t) }
  var local = [Double](repeating: 0, count: d)
  for t in 0..<full {
    let c = coefficient[t.nonzeroBitCount]
    let vt = values[t]
    var free = full & ~t
    while free != 0 {
      let i = free.trailingZeroBitCount
      free &= free - 1
      local[i] += c * (values[t | (1 << i)] - vt)
    }
  }
  return local
}
