import GlassboxNumerics
import Testing

@testable import GlassboxExplainers

/// The conditions' number text (`twoDecimals`, integer rounding) against the C library's
/// printf `%.2f` (`printfTwoDecimals`).
@Suite("LIME condition text: two decimals")
struct LIMETwoDecimalsTests {
  @Test("twoDecimals equals printf's %.2f on ties, near-ties, tiny, signed and random values")
  func equalsPrintf() {
    var values: [Double] = [0, -0.0, 0.125, 0.375, -0.125, 2.675, 1.005, 0.005, 0.015, 0.004999999999999999,
      0.995, 9.995, 99.995, 1e-300, 5e-324, -5e-324, 0x1p40 - 1, 0x1p40, 1e300, .infinity, -.infinity, .nan]
    // Every multiple of 1/8 in [-50, 50] (exact ties at the third decimal among them).
    for k in -400...400 { values.append(Double(k) / 8) }
    var generator = Xoshiro256StarStar(seed: 3, stream: 7)
    for _ in 0..<3000 {
      let magnitude = Double(Int(generator.nextUnitDouble() * 60) - 20)
      let x = (generator.nextUnitDouble() - 0.5) * 2 * Double(sign: .plus, exponent: Int(magnitude), significand: 1)
      values.append(x)
      values.append(x.nextUp)
      // A value whose hundredfold is just at, below and above a half.
      let half = ((x * 100).rounded(.down) + 0.5) / 100
      values.append(contentsOf: [half, half.nextUp, half.nextDown])
    }
    var checked = 0
    for x in values {
      if twoDecimals(x) != printfTwoDecimals(x) { Issue.record("\(x): \(twoDecimals(x)) vs \(printfTwoDecimals(x))") }
      checked += 1
    }
    #expect(checked == 22 + 801 + 5 * 3000)
  }
}
