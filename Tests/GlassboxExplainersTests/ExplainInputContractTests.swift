import GlassboxExplainers
import GlassboxModels
import Testing

/// `explain` checks its inputs once per call: rows, row indices and streams must agree with
/// the row count.
@Suite("Explainer input contract")
struct ExplainInputContractTests {
  static func explainer() throws -> LinearSHAP {
    let model = LinearModel(
      featureNames: ["a", "b"], coefficients: [[2, -1]], intercepts: [0.5], transform: .identity, means: [1, 1])
    return try LinearSHAP(model: model, background: nil)
  }

  @Test("Right-sized inputs give w (x − μ) per row")
  func rightSized() throws {
    let rows: [Double] = [3, 1, 0, 5]
    var out: [Explanation] = []
    try rows.withUnsafeBufferPointer { try Self.explainer().explain($0, count: 2, rowIndices: [10, 11], into: &out) }
    #expect(out.map(\.row) == [10, 11])
    let w: [Double] = [2, -1], mean: [Double] = [1, 1]
    for r in 0..<2 {
      let expected = (0..<2).map { j in w[j] * (rows[r * 2 + j] - mean[j]) }
      #expect(out[r].attributions == expected)
    }
  }

  @Test("Input values that are not count rows stop the program")
  func wrongRowCount() async {
    await #expect(processExitsWith: .failure) {
      var out: [Explanation] = []
      try? [1.0, 2, 3, 4, 5].withUnsafeBufferPointer {
        try ExplainInputContractTests.explainer().explain($0, count: 2, rowIndices: [0, 1], into: &out)
      }
    }
  }

  @Test("Row indices that do not match the row count stop the program")
  func wrongIndexCount() async {
    await #expect(processExitsWith: .failure) {
      var out: [Explanation] = []
      try? [1.0, 2, 3, 4].withUnsafeBufferPointer {
        try ExplainInputContractTests.explainer().explain($0, count: 2, rowIndices: [0, 1, 2], into: &out)
      }
    }
  }
}
