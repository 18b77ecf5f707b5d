import GlassboxSystem
import Testing

private enum SampleError: ParameterNamingError {
  case tooFew(Int)

  var kind: FailureKind { .usage }

  var markedMessage: String {
    switch self {
    case .tooFew(let n): "\(Parameter("samples")) must be at least 2 (got \(n)); see \(Parameter("kernelWidth")) too"
    }
  }
}

private struct PlainError: UserFacingError {
  var kind: FailureKind { .data }
  var description: String { "no parameter here" }
}

@Suite("Parameters in messages")
struct ParameterSpellingTests {
  static let flags = ParameterSpelling { "--" + $0.name.uppercased() }

  @Test("Plain spelling names the parameters; another spelling replaces every marker")
  func spellings() {
    let error = SampleError.tooFew(1)
    #expect(error.description == "samples must be at least 2 (got 1); see kernelWidth too")
    #expect(error.describe(spelling: Self.flags) == "--SAMPLES must be at least 2 (got 1); see --KERNELWIDTH too")
    let erased: any UserFacingError = error
    #expect(erased.describe(spelling: Self.flags) == error.describe(spelling: Self.flags))
  }

  @Test("Errors naming no parameter print their description under any spelling")
  func plainErrors() {
    let erased: any UserFacingError = PlainError()
    #expect(erased.describe(spelling: Self.flags) == "no parameter here")
  }

  @Test("Text without markers is returned unchanged; an unclosed marker is kept")
  func rendering() {
    #expect(Self.flags.render("é, \"quoted\" -- text") == "é, \"quoted\" -- text")
    let marker = Parameter("rows").marker
    #expect(Self.flags.render("a " + marker + marker + " b") == "a --ROWS--ROWS b")
    let unclosed = "x " + String(marker.dropLast())
    #expect(Self.flags.render(unclosed) == unclosed)
  }
}
