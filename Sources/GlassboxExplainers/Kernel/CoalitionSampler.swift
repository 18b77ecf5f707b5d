import GlassboxNumerics

/// shap's hybrid coalition design for Kernel SHAP over `players` players (2 ≤ M ≤ 64).
///
/// The Shapley kernel gives a coalition of size s the weight `(M−1) / (C(M,s) s (M−s))`,
/// so a size class {s, M−s} carries total mass ∝ `(M−1) / (s (M−s))` (counted once when
/// s = M−s). Classes are visited from the extremes inwards (s = 1, 2, ...); a class is
/// enumerated in full while the budget left, shared in proportion to the mass left, covers
/// all its coalitions. The mass of the classes not enumerated is estimated by paired
/// (antithetic) sampling: a size class drawn by mass, a uniform subset S of size s, then
/// both S and its complement, each with weight `mass left / random samples`.
///
/// Weights are normalized so that the whole kernel mass is 1.
struct CoalitionPlan: Sendable {
  /// The number of players M.
  let players: Int
  /// Fully enumerated coalitions (bit i = player i is in) and their kernel weights.
  var enumerated: [UInt64] = []
  var enumeratedWeights: [Double] = []
  /// Sizes s ≤ M/2 of the classes left to sampling, with their cumulative masses.
  private(set) var sampledSizes: [Int] = []
  private var cumulativeMass: [Double] = []
  /// The kernel mass of the classes left to sampling (0 when all are enumerated).
  private(set) var sampledMass: Double = 0

  /// Plans `budget` coalitions (excluding the empty and the full coalition).
  /// - Complexity: O(enumerated coalitions + M).
  init(players m: Int, budget: Int) {
    precondition(m >= 2 && m <= 64, "the coalition plan needs 2 to 64 players")
    players = m
    let classes = (m - 1 + 1) / 2  // sizes 1 ... ⌈(M−1)/2⌉
    var mass = (1...classes).map { s in
      Double(m - 1) / Double(s * (m - s)) * (s == m - s ? 1 : 2)
    }
    let total = mass.reduce(0, +)
    mass = mass.map { $0 / total }
    var left = Double(budget)
    var massLeft = 1.0
    var s = 1
    while s <= classes {
      let paired = s != m - s
      let count = binomial(m, s) * (paired ? 2 : 1)
      guard massLeft > 0, left * mass[s - 1] / massLeft >= count * (1 - 1e-8) else { break }
      let weight = mass[s - 1] / count
      forEachSubset(of: m, size: s) { mask in
        enumerated.append(mask)
        enumeratedWeights.append(weight)
        if paired {
          enumerated.append(~mask & fullMask(m))
          enumeratedWeights.append(weight)
        }
      }
      left -= count
      massLeft -= mass[s - 1]
      s += 1
    }
    if s <= classes {
      var running = 0.0
      for size in s...classes {
        running += mass[size - 1]
        sampledSizes.append(size)
        cumulativeMass.append(running)
      }
      sampledMass = running
    }
  }

  /// The smallest budget whose plan enumerates the first class (every single player and
  /// its complement), which makes the regression well determined for any sample.
  static func budgetEnumeratingSingletons(players m: Int) -> Int {
    let mass = (1...(m / 2)).map { s in Double(m - 1) / Double(s * (m - s)) * (s == m - s ? 1 : 2) }
    let count = binomial(m, 1) * (m == 2 ? 1 : 2)
    return Int((count * mass.reduce(0, +) / mass[0] * (1 - 1e-9)).rounded(.up))
  }

  /// True when every coalition is enumerated (no sampling needed).
  var isComplete: Bool { sampledSizes.isEmpty }

  /// Appends `pairs` random coalitions and their complements (2 · pairs masks).
  /// - Complexity: O(pairs · M).
  func samplePairs(_ pairs: Int, rng: inout Xoshiro256StarStar, into masks: inout [UInt64]) {
    guard !sampledSizes.isEmpty else { return }
    let m = players
    var order = Array(0..<m)
    for _ in 0..<pairs {
      let u = rng.nextUnitDouble() * sampledMass
      var c = 0
      while c < cumulativeMass.count - 1 && cumulativeMass[c] <= u { c += 1 }
      let size = sampledSizes[c]
      var mask: UInt64 = 0
      for i in 0..<size {
        let j = i + Int(rng.next() % UInt64(m - i))
        order.swapAt(i, j)
        mask |= 1 << UInt64(order[i])
      }
      masks.append(mask)
      masks.append(~mask & fullMask(m))
    }
  }
}

/// All players of an M-player game as a mask.
@inline(__always)
func fullMask(_ m: Int) -> UInt64 { m >= 64 ? ~0 : (1 << UInt64(m)) - 1 }

/// C(n, k) as a Double (exact below 2^53).
func binomial(_ n: Int, _ k: Int) -> Double {
  if k < 0 || k > n { return 0 }
  var r = 1.0
  for i in 0..<min(k, n - k) { r = r * Double(n - i) / Double(i + 1) }
  return r.rounded()
}

/// Calls `body` with every k-subset of {0, …, n−1} as a mask, in increasing order
/// (Gosper's hack).
func forEachSubset(of n: Int, size k: Int, _ body: (UInt64) -> Void) {
  if k == 0 {
    body(0)
    return
  }
  if k > n { return }
  var mask: UInt64 = k >= 64 ? ~0 : (1 << UInt64(k)) - 1
  let limit = fullMask(n)
  while true {
    body(mask)
    let c = mask & (0 &- mask)
    let r = mask &+ c
    if r == 0 || r > limit { return }
    let next = (((r ^ mask) >> 2) / c) | r
    if next > limit { return }
    mask = next
  }
}
