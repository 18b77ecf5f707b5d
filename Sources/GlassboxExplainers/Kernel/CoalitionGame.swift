import GlassboxModels
import GlassboxSystem

/// Batched model evaluation in an output space, optionally spread over threads.
///
/// Each row's output depends on that row only (for glassbox's models), so splitting a
/// batch into chunks never changes a bit of the result.
struct SpaceEvaluator: Sendable {
  let model: any Model
  let space: OutputSpace
  let threads: Int

  var outputCount: Int { model.outputCount }

  /// Outputs (`count × outputCount`, row-major) of row-major `rows` in `space`.
  /// - Complexity: one model evaluation per row.
  func outputs(_ rows: [Double], count: Int) -> [Double] {
    let m = model.featureCount
    let k = model.outputCount
    var out = [Double](repeating: 0, count: count * k)
    if count == 0 { return out }
    let chunks = threads > 1 && count >= 512 ? min(threads * 4, count / 128) : 1
    let model = self.model
    parallelFill(&out, items: count, elementsPerItem: k, chunks: chunks) { items, output in
      rows.withUnsafeBufferPointer { input in
        model.predictMargins(
          UnsafeBufferPointer(rebasing: input[(items.lowerBound * m)..<(items.upperBound * m)]), count: items.count,
          into: output)
      }
    }
    if space == .probability {
      for r in 0..<count {
        let responses = model.responses(fromMargins: out[(r * k)..<((r + 1) * k)])
        for c in 0..<k { out[r * k + c] = responses[c] }
      }
    }
    return out
  }
}

/// The interventional game of one instance x over a weighted background:
/// ```
/// v(S) = Σ_b w_b · g(f(x_S, b_S̄)) / Σ_b w_b
/// ```
/// restricted to the players whose columns differ from some background row (the others
/// are null players with attribution 0).
///
/// The hybrid row `(x_S, b_S̄)` depends only on `S ∩ D_b`, where `D_b` holds the players
/// in which background row b differs from x, so predictions are cached per
/// `(b, S ∩ D_b)` and every distinct hybrid row is evaluated once.
struct InstanceGame {
  let evaluator: SpaceEvaluator
  let x: [Double]
  /// The varying players' model columns.
  let players: [[Int]]
  let background: PreparedBackground
  /// D_b per background row.
  let differences: [UInt64]
  /// g(f(x)) per output.
  let instanceOutputs: [Double]
  /// Cached outputs: slot · k + output. Slots 0..<B hold g(f(b)), slot B holds g(f(x)).
  private var table: [Double]
  private var cache: [[UInt64: Int32]]
  /// Distinct hybrid rows evaluated so far (excluding f(b) and f(x)).
  private(set) var evaluations = 0

  var playerCount: Int { players.count }
  var outputCount: Int { evaluator.outputCount }

  init(
    evaluator: SpaceEvaluator, x: [Double], players: [[Int]], background: PreparedBackground,
    differences: [UInt64], instanceOutputs: [Double]
  ) {
    self.evaluator = evaluator
    self.x = x
    self.players = players
    self.background = background
    self.differences = differences
    self.instanceOutputs = instanceOutputs
    table = background.outputs + instanceOutputs
    cache = [[UInt64: Int32]](repeating: [:], count: background.count)
  }

  /// v(∅) per output: the base value.
  var emptyValue: [Double] { background.baseValues }

  /// The number of distinct hybrid rows that exact enumeration would evaluate.
  var exactCost: Double {
    differences.reduce(0) { total, d in total + max(0, Double(sign: .plus, exponent: d.nonzeroBitCount, significand: 1) - 2) }
  }

  /// The hybrid row (x on the players of `key`, b elsewhere), appended to `rows`.
  @inline(__always)
  func appendHybrid(_ b: Int, _ key: UInt64, to rows: inout [Double]) {
    let m = x.count
    let start = rows.count
    rows.append(contentsOf: background.rows[(b * m)..<((b + 1) * m)])
    var bits = key
    while bits != 0 {
      let p = bits.trailingZeroBitCount
      bits &= bits - 1
      for f in players[p] { rows[start + f] = x[f] }
    }
  }

  /// Hybrid rows per model call: bounds memory (`rowsPerBatch · features` doubles).
  static let rowsPerBatch = 1 << 16

  /// v(S) per coalition and output (`masks.count × k`, row-major), evaluating only the
  /// hybrid rows not seen before, in batches of at most `rowsPerBatch` coalition rows.
  /// - Complexity: O(masks · B) cache look-ups plus the new model evaluations.
  mutating func values(_ masks: [UInt64]) -> [Double] {
    let step = max(1, Self.rowsPerBatch / max(1, background.count))
    if masks.count <= step { return valuesOfBatch(masks[...]) }
    var out: [Double] = []
    out.reserveCapacity(masks.count * outputCount)
    var start = 0
    while start < masks.count {
      let end = min(masks.count, start + step)
      out += valuesOfBatch(masks[start..<end])
      start = end
    }
    return out
  }

  private mutating func valuesOfBatch(_ masks: ArraySlice<UInt64>) -> [Double] {
    let nb = background.count
    let k = outputCount
    var slots = [Int32](repeating: 0, count: masks.count * nb)
    var pending: [Double] = []
    var next = Int32(table.count / k)
    let first = next
    for (i, s) in masks.enumerated() {
      for b in 0..<nb {
        let d = differences[b]
        let key = s & d
        if key == 0 {
          slots[i * nb + b] = Int32(b)
        } else if key == d {
          slots[i * nb + b] = Int32(nb)
        } else if let slot = cache[b][key] {
          slots[i * nb + b] = slot
        } else {
          cache[b][key] = next
          slots[i * nb + b] = next
          next += 1
          appendHybrid(b, key, to: &pending)
        }
      }
    }
    let fresh = Int(next - first)
    if fresh > 0 {
      table.append(contentsOf: evaluator.outputs(pending, count: fresh))
      evaluations += fresh
    }
    var out = [Double](repeating: 0, count: masks.count * k)
    let w = background.normalizedWeights
    for i in 0..<masks.count {
      for b in 0..<nb {
        let slot = Int(slots[i * nb + b])
        for c in 0..<k { out[i * k + c] += w[b] * table[slot * k + c] }
      }
    }
    return out
  }

  /// Exact Shapley values (`k × M`, output-major) by the decomposition of the game into
  /// one game per background row, where only the players of D_b matter:
  /// ```
  /// φ_i = Σ_b w_b Σ_{T ⊆ D_b∖{i}} |T|! (|D_b|−|T|−1)! / |D_b|! · (F_b(T ∪ i) − F_b(T))
  /// ```
  /// with `F_b(T) = g(f(x_T, b_T̄))`; Shapley values are linear in the game, so this is
  /// the exact Shapley value of v.
  /// - Complexity: Σ_b 2^|D_b| model evaluations and O(Σ_b |D_b| 2^|D_b|) arithmetic.
  mutating func exactValues() -> [Double] {
    let nb = background.count
    let k = outputCount
    let mCount = playerCount
    // Hybrid rows of consecutive background rows are evaluated together, in batches of
    // about `rowsPerBatch` rows.
    var outputs: [Double] = []
    var offsets = [Int](repeating: 0, count: nb + 1)
    var rows: [Double] = []
    var pending = 0
    var total = 0
    func flush() {
      outputs += evaluator.outputs(rows, count: pending)
      rows.removeAll(keepingCapacity: true)
      pending = 0
    }
    for b in 0..<nb {
      offsets[b] = total
      let bits = setBits(differences[b])
      let d = bits.count
      guard d >= 2 else { continue }
      for t in 1..<((1 << d) - 1) {
        appendHybrid(b, expand(UInt64(t), bits), to: &rows)
      }
      total += (1 << d) - 2
      pending += (1 << d) - 2
      if pending >= Self.rowsPerBatch { flush() }
    }
    if pending > 0 { flush() }
    offsets[nb] = total
    evaluations += total
    var phi = [Double](repeating: 0, count: k * mCount)
    let w = background.normalizedWeights
    for b in 0..<nb where w[b] > 0 {
      let bits = setBits(differences[b])
      let d = bits.count
      if d == 0 { continue }
      let full = (1 << d) - 1
      for c in 0..<k {
        let local = exactLocalShapley(players: d) { t in
          if t == 0 { return background.outputs[b * k + c] }
          if t == full { return instanceOutputs[c] }
          return outputs[(offsets[b] + t - 1) * k + c]
        }
        for i in 0..<d { phi[c * mCount + bits[i]] += w[b] * local[i] }
      }
    }
    return phi
  }
}

/// The positions of the set bits, in increasing order.
func setBits(_ mask: UInt64) -> [Int] {
  var out: [Int] = []
  var bits = mask
  while bits != 0 {
    out.append(bits.trailingZeroBitCount)
    bits &= bits - 1
  }
  return out
}

/// Maps local bit i of `t` to bit `positions[i]`.
@inline(__always)
func expand(_ t: UInt64, _ positions: [Int]) -> UInt64 {
  var out: UInt64 = 0
  var bits = t
  while bits != 0 {
    let i = bits.trailingZeroBitCount
    bits &= bits - 1
    out |= 1 << UInt64(positions[i])
  }
  return out
}

/// A background ready for one output space: duplicates merged, weights normalized, the
/// outputs g(f(b)) of every row and the base value E_b g(f(b)).
struct PreparedBackground: Sendable {
  let rows: [Double]
  let count: Int
  let normalizedWeights: [Double]
  /// g(f(b)) per row and output (`count × k`).
  let outputs: [Double]
  /// Σ_b w_b g(f(b)) per output.
  let baseValues: [Double]

  init(_ background: Background, evaluator: SpaceEvaluator) {
    let merged = BackgroundSummary.mergingDuplicates(background)
    rows = merged.rows
    count = merged.count
    let total = merged.weights.reduce(0, +)
    normalizedWeights = merged.weights.map { $0 / total }
    outputs = evaluator.outputs(merged.rows, count: merged.count)
    let k = evaluator.outputCount
    var base = [Double](repeating: 0, count: k)
    for b in 0..<count {
      for c in 0..<k { base[c] += normalizedWeights[b] * outputs[b * k + c] }
    }
    baseValues = base
  }
}
