import GlassboxModels
import Testing

/// `predictMargins` checks its buffers once per call: a right-sized call computes, a call
/// whose buffers do not match its row count stops the program instead of reading or writing
/// out of bounds.
@Suite("Model buffer contract")
struct BufferContractTests {
  static func model() -> LinearModel {
    LinearModel(
      featureNames: ["a", "b"], coefficients: [[2, -1], [0.5, 3]], intercepts: [0.5, -1], transform: .identity)
  }

  @Test("Right-sized buffers give w·x + b per row and output")
  func rightSized() {
    let m = Self.model()
    let rows: [Double] = [1, 2, 3, 4, -1, 0.25]
    var out = [Double](repeating: .nan, count: 6)
    rows.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { m.predictMargins(r, count: 3, into: $0) } }
    for r in 0..<3 {
      for c in 0..<2 {
        let expected = m.coefficients[c][0] * rows[r * 2] + m.coefficients[c][1] * rows[r * 2 + 1] + m.intercepts[c]
        #expect(out[r * 2 + c] == expected)
      }
    }
  }

  @Test("An output buffer with spare room is accepted and the spare left alone")
  func largerOutput() {
    let m = Self.model()
    var out = [Double](repeating: 7, count: 5)
    [1.0, 1.0].withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { m.predictMargins(r, count: 1, into: $0) } }
    #expect(out[2...] == [7, 7, 7])
  }

  @Test("Too few input values for the row count stop the program")
  func shortInput() async {
    await #expect(processExitsWith: .failure) {
      let m = BufferContractTests.model()
      var out = [Double](repeating: 0, count: 6)
      [1.0, 2, 3, 4].withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { m.predictMargins(r, count: 3, into: $0) } }
    }
  }

  @Test("More input values than the row count holds stop the program (a misaligned batch)")
  func longInput() async {
    await #expect(processExitsWith: .failure) {
      let m = BufferContractTests.model()
      var out = [Double](repeating: 0, count: 4)
      [1.0, 2, 3, 4, 5].withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { m.predictMargins(r, count: 2, into: $0) } }
    }
  }

  @Test("An output buffer too small for the row count stops the program")
  func shortOutput() async {
    await #expect(processExitsWith: .failure) {
      let m = BufferContractTests.model()
      var out = [Double](repeating: 0, count: 3)
      [1.0, 2, 3, 4].withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { m.predictMargins(r, count: 2, into: $0) } }
    }
  }
}
