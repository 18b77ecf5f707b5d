import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// The shared helpers other test targets rely on are themselves checked here.
@Suite("Test support")
struct TestSupportTests {
  @Test func isCloseTolerances() {
    #expect(isClose(1, 1 + 1e-13))
    #expect(!isClose(1, 1 + 1e-11))
    #expect(isClose(100, 101, rel: 0.01))
    #expect(!isClose(100, 102, rel: 0.01))
    #expect(isClose(0, 1e-15, abs: 1e-14))
    #expect(!isClose(0, 1e-15))
    #expect(isClose(.nan, .nan))
    #expect(!isClose(.nan, 0))
    #expect(isClose(.infinity, .infinity))
    #expect(!isClose(.infinity, -.infinity))
    #expect(!isClose(.infinity, 1e308, rel: 1))
  }

  @Test func expectCloseRecordsIssues() {
    withKnownIssue {
      expectClose(1, 2)
    }
    withKnownIssue {
      expectClose([1, 2], [1, 2, 3])
    }
    withKnownIssue {
      expectClose([1, 2, 3], [1, 2.5, 3])
    }
  }

  @Test func shapleyOfAnAdditiveGameIsEachTerm() {
    // v(S) = Σ_{i∈S} c_i: φ_i = c_i exactly.
    let c = [3.0, -1, 0.5, 2, 7]
    let phi = bruteForceShapley(players: 5) { s in (0..<5).reduce(0) { $0 + (s[$1] ? c[$1] : 0) } }
    expectClose(phi, c, rel: 1e-14)
  }

  @Test func shapleyOfTheGloveGame() {
    // Players 0 and 1 hold left gloves, player 2 a right glove; a pair is worth 1.
    // Player 2's marginal is 1 in the orders where it is not first (4 of 6) → 2/3;
    // players 0 and 1 each get 1/6 by symmetry and efficiency.
    let phi = bruteForceShapley(players: 3) { s in (s[0] || s[1]) && s[2] ? 1 : 0 }
    expectClose(phi, [1.0 / 6, 1.0 / 6, 2.0 / 3], rel: 1e-14)
  }

  @Test func shapleyOfAProductGameSplitsTheInteraction() {
    // v(S) = ∏_{i∈S} 2 − 1 over 4 players is symmetric: φ_i = (2⁴ − 1 − 0)/4.
    let phi = bruteForceShapley(players: 4) { s in Double(1 << s.filter { $0 }.count) - 1 }
    expectClose(phi, [Double](repeating: 15.0 / 4, count: 4), rel: 1e-14)
  }

  @Test func shapleyEfficiencyAndDummyOnARandomGame() {
    var rng = Xoshiro256StarStar(seed: 4)
    let m = 7
    let table = (0..<(1 << m)).map { _ in rng.nextGaussian() }
    // Player 6 is a dummy: the game ignores it.
    let phi = bruteForceShapley(players: m) { s in
      var mask = 0
      for i in 0..<(m - 1) where s[i] { mask |= 1 << i }
      return table[mask]
    }
    expectClose(phi.reduce(0, +), table[(1 << (m - 1)) - 1] - table[0], rel: 1e-12, abs: 1e-12)
    expectClose(phi[m - 1], 0, abs: 1e-14)
  }

  @Test func interventionalShapleyOfALinearModel() {
    // For f(z) = b + Σ w_j z_j the interventional values are w_j (x_j − mean_j).
    let w = [2.0, -1, 0.5]
    let f: ([Double]) -> Double = { z in 1 + zip(w, z).reduce(0) { $0 + $1.0 * $1.1 } }
    let x = [1.0, 2, 3]
    let background = [[0.0, 0, 0], [2, 4, 2], [1, -1, 4]]  // means 1, 1, 2
    let v = interventionalValue(model: f, x: x, background: background)
    expectClose(v([false, false, false]), (f([0, 0, 0]) + f([2, 4, 2]) + f([1, -1, 4])) / 3, rel: 1e-14)
    expectClose(v([true, true, true]), f(x), rel: 1e-14)
    // S = {0}: rows become (1,0,0), (1,4,2), (1,−1,4).
    expectClose(v([true, false, false]), (f([1, 0, 0]) + f([1, 4, 2]) + f([1, -1, 4])) / 3, rel: 1e-14)
    let phi = bruteForceShapley(players: 3, value: v)
    expectClose(phi, [2 * (1 - 1), -1 * (2 - 1), 0.5 * (3 - 2)], rel: 1e-12, abs: 1e-14)
  }

  @Test func temporaryDirectoryLifecycle() throws {
    var path = ""
    do {
      let dir = try TemporaryDirectory()
      path = dir.path
      #expect(path.hasPrefix("/tmp/"))
      let file = try dir.write("a.txt", "héllo\n")
      #expect(file == path + "/a.txt")
      let sub = try dir.makeDirectory("nested/deeper")
      try writeFile(sub + "/b.bin", [0, 1, 2])
      #expect(try String(contentsOfFile: file, encoding: .utf8) == "héllo\n")
      let other = try TemporaryDirectory()
      #expect(other.path != path)
    }
    #expect(!directoryExists(path))
  }

  @Test func fixturesDirectoryExists() {
    #expect(fixturesDirectory.hasSuffix("/Tests/Fixtures"))
    #expect(directoryExists(fixturesDirectory))
  }
}

import Foundation

private func directoryExists(_ path: String) -> Bool {
  var isDirectory: ObjCBool = false
  return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
}
