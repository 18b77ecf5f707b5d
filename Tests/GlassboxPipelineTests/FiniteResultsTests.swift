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
}
