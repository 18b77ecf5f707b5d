import GlassboxExplainers
import GlassboxPipeline
import Testing

@Suite("Explanations with NaN or ±∞ are caught before they are written")
struct FiniteResultsTests {
  func explanation(prediction: Double = 1, base: Double = 0.5, attributions: [Double] = [0.25, 0.25], errors: [Double]? = nil)
    -> Explanation
  {
    Explanation(
      row: 7, output: 1, space: .raw, prediction: prediction, baseValue: base, attributions: attributions,
      standardErrors: errors, inputs: [0, 0])
  }

  @Test("each value is named: prediction, base value, attribution and standard error by feature")
  func namesTheValue() throws {
    let names = ["age", "income"]
    #expect(explanation().firstNonFiniteValue(featureNames: names) == nil)
    #expect(explanation(errors: [0.1, 0.2]).firstNonFiniteValue(featureNames: names) == nil)
    #expect(explanation(prediction: .infinity).firstNonFiniteValue(featureNames: names)?.name == "prediction")
    #expect(explanation(base: -.infinity).firstNonFiniteValue(featureNames: names)?.name == "base value")
    let attribution = try #require(explanation(attributions: [0.25, .nan]).firstNonFiniteValue(featureNames: names))
    #expect(attribution.name == "attribution of 'income'" && attribution.value.isNaN)
    #expect(explanation(errors: [.nan, 0]).firstNonFiniteValue(featureNames: names)?.name == "standard error of 'age'")
  }

  @Test("check throws for the first bad explanation with its place, row and output")
  func checkThrows() {
    let good = explanation()
    let bad = explanation(attributions: [.infinity, 0])
    #expect(throws: NonFiniteResultError(place: "d.csv:9", row: 7, output: 1, valueName: "attribution of 'a'", value: .infinity)) {
      try NonFiniteResultError.check([good, bad], featureNames: ["a", "b"]) { row in ("d.csv:\(row + 2)", row) }
    }
    let message = NonFiniteResultError(place: "d.csv:9", row: 7, output: 1, valueName: "prediction", value: .nan).description
    #expect(message.hasPrefix("d.csv:9 (data row 7): the prediction for output 1 is nan, not a finite number"))
  }

  @Test("additivity: within tolerance × (max(1, |prediction|, |base|) + Σ|φ|), as audit verify judges")
  func additivity() throws {
    // 0.5 + 0.25 + 0.25 = 1 exactly.
    #expect(explanation().additivityGap(relative: 1e-9) == nil)
    // Off by 1e-6: scale max(1, 1, 0.5) + 0.5 = 1.5, so 1e-6 is allowed at 1e-6 relative, not at 1e-9.
    let off = explanation(attributions: [0.25, 0.25 + 1e-6])
    #expect(off.additivityGap(relative: 1e-6) == nil)
    let gap = try #require(off.additivityGap(relative: 1e-9))
    #expect(abs(gap.gap - 1e-6) < 1e-15 && abs(gap.tolerance - 1.500001e-9) < 1e-20)
    #expect(throws: AdditivityError.self) {
      try AdditivityError.check([explanation(), off], relative: 1e-9) { row in ("d.csv:\(row + 2)", row) }
    }
    // Not checked without a tolerance.
    try AdditivityError.check([off], relative: nil) { _ in ("", nil) }
    let message = AdditivityError(
      place: "d.csv:9", row: 7, output: nil, prediction: 1, sum: 2, gap: 1, tolerance: 1e-9
    ).description
    #expect(message.hasPrefix("d.csv:9 (data row 7): the base value plus the attributions is 2.0, not the prediction 1.0"))
  }
}
