@testable import GlassboxExplainers
import GlassboxNumerics
import Testing

/// The coalition plan's weights against the closed form of the Shapley kernel:
/// a coalition of size s among M players weighs (M−1) / (C(M,s) · s · (M−s)), so its size
/// class carries (M−1) / (s (M−s)); normalized over s = 1 … M−1 the whole mass is 1.
/// The reference values below come from that formula alone, not from the plan's code.
@Suite("Kernel SHAP coalition plan: weights equal the Shapley kernel")
struct KernelPlanWeightTests {
  /// C(n, k) by exact integer products (n ≤ 20 here).
  static func choose(_ n: Int, _ k: Int) -> Double {
    var r = 1
    for i in 0..<k { r = r * (n - i) / (i + 1) }
    return Double(r)
  }

  /// The normalized kernel weight of one coalition of size s among m players.
  static func kernelWeight(size s: Int, players m: Int) -> Double {
    let classMass = { (t: Int) in Double(m - 1) / Double(t * (m - t)) }
    let total = (1..<m).map(classMass).reduce(0, +)
    return classMass(s) / choose(m, s) / total
  }

  /// The largest relative gap between an enumerated coalition's weight and its kernel weight.
  static func worstRelativeError(_ plan: CoalitionPlan) -> Double {
    zip(plan.enumerated, plan.enumeratedWeights).map { mask, weight in
      let expected = kernelWeight(size: mask.nonzeroBitCount, players: plan.players)
      return abs(weight - expected) / expected
    }.max() ?? .infinity
  }

  static let playerCounts = [2, 3, 4, 5, 6, 7, 8, 10, 12]

  @Test("a plan that covers every coalition gives each the kernel weight", arguments: playerCounts)
  func completePlan(_ m: Int) throws {
    let plan = CoalitionPlan(players: m, budget: 1 << m)
    #expect(plan.isComplete)
    #expect(plan.sampledMass == 0)
    #expect(plan.enumerated.count == (1 << m) - 2)
    #expect(Set(plan.enumerated).count == plan.enumerated.count, "a coalition is listed twice")
    try #require(plan.enumerated.allSatisfy { $0.nonzeroBitCount > 0 && $0.nonzeroBitCount < m })
    #expect(Self.worstRelativeError(plan) <= 1e-14, "M=\(m)")
    #expect(abs(plan.enumeratedWeights.reduce(0, +) - 1) < 1e-12)
  }

  /// Budgets that enumerate only the outer classes: the enumerated coalitions keep their
  /// kernel weight and the sampled classes carry exactly the rest of the mass.
  @Test("a partial plan splits the mass exactly", arguments: [(8, 40), (10, 60), (10, 300), (12, 200), (16, 500), (20, 1000)])
  func partialPlan(_ m: Int, _ budget: Int) throws {
    let plan = CoalitionPlan(players: m, budget: budget)
    #expect(!plan.isComplete)
    #expect(!plan.enumerated.isEmpty, "M=\(m) budget \(budget) enumerates no class")
    #expect(Self.worstRelativeError(plan) <= 1e-14, "M=\(m) budget \(budget)")
    let enumeratedSizes = Set(plan.enumerated.map { min($0.nonzeroBitCount, m - $0.nonzeroBitCount) })
    // Classes are enumerated whole, from the extremes inwards.
    #expect(enumeratedSizes == Set(1...enumeratedSizes.count))
    #expect(plan.sampledSizes == Array((enumeratedSizes.count + 1)...(m / 2)))
    let sampled = (1..<m).filter { !enumeratedSizes.contains(min($0, m - $0)) }
      .map { Self.kernelWeight(size: $0, players: m) * Self.choose(m, $0) }.reduce(0, +)
    #expect(abs(plan.sampledMass - sampled) <= 1e-13, "sampled mass \(plan.sampledMass) vs \(sampled)")
    #expect(abs(plan.enumeratedWeights.reduce(0, +) + plan.sampledMass - 1) < 1e-12)
  }

  /// Random pairs draw each sampled class in proportion to its kernel mass.
  @Test("random coalitions follow the class masses")
  func sampledSizeFrequencies() throws {
    let m = 12
    let plan = CoalitionPlan(players: m, budget: 70)  // enumerates sizes 1 and 11 only
    try #require(plan.sampledSizes == [2, 3, 4, 5, 6])
    var rng = Xoshiro256StarStar(seed: 2024)
    var masks: [UInt64] = []
    let pairs = 100_000
    plan.samplePairs(pairs, rng: &rng, into: &masks)
    #expect(masks.count == 2 * pairs)
    var counts = [Int](repeating: 0, count: m + 1)
    for (a, b) in stride(from: 0, to: masks.count, by: 2).map({ (masks[$0], masks[$0 + 1]) }) {
      #expect(a & b == 0 && (a | b).nonzeroBitCount == m, "a pair is not a coalition and its complement")
      counts[min(a.nonzeroBitCount, m - a.nonzeroBitCount)] += 1
    }
    let classMass = { (s: Int) in Double(m - 1) / Double(s * (m - s)) * (s == m - s ? 1 : 2) }
    let total = plan.sampledSizes.map(classMass).reduce(0, +)
    for s in plan.sampledSizes {
      let p = classMass(s) / total
      let observed = Double(counts[s]) / Double(pairs)
      // Five binomial standard deviations.
      let sd = (p * (1 - p) / Double(pairs)).squareRoot()
      #expect(abs(observed - p) <= 5 * sd, "size \(s): drawn \(observed), mass \(p)")
    }
  }

  @Test("the singleton budget is the smallest that enumerates every single player", arguments: [3, 4, 6, 9, 13])
  func singletonBudget(_ m: Int) {
    let budget = CoalitionPlan.budgetEnumeratingSingletons(players: m)
    let singletons = Set((0..<m).map { UInt64(1) << UInt64($0) })
    #expect(singletons.isSubset(of: Set(CoalitionPlan(players: m, budget: budget).enumerated)))
    // Closed form: the size-1 class (with its complement) needs 2M coalitions at a share
    // mass(1) / total of the budget.
    let classMass = { (s: Int) in Double(m - 1) / Double(s * (m - s)) }
    let share = 2 * classMass(1) / (1..<m).map(classMass).reduce(0, +)
    #expect(abs(Double(budget) - (Double(2 * m) / share).rounded(.up)) <= 1, "M=\(m): \(budget)")
  }
}
