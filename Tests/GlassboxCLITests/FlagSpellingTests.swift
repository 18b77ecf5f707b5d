import GlassboxSystem
import Testing

@testable import GlassboxCLI

/// Library errors name parameters; the CLI prints them as the flags that set them.
@Suite("Parameters printed as flags")
struct FlagSpellingTests {
  @Test("Every parameter's flag is an option of some command")
  func flagsExist() {
    let help = [Explain.self, Bias.self, Check.self].map { GlassboxCLI.Glassbox.helpMessage(for: $0, columns: 400) }.joined()
    for parameter in FlagSpelling.flags.keys {
      let flag = FlagSpelling.flag(for: parameter)
      #expect(help.contains(flag + " "), "\(parameter.name) → \(flag)")
    }
  }

  @Test("Names missing from the table are spelled in kebab case")
  func kebabFallback() {
    #expect(FlagSpelling.flag(for: Parameter("maxFindings")) == "--max-findings")
    #expect(FlagSpelling.flag(for: Parameter("seed")) == "--seed")
  }

  @Test("Library errors print with flags on stderr", arguments: [
    (["explain", "--model", "models/adult-logistic.json", "--data", "datasets/adult.csv", "--rows", "5-2"], "error: invalid --rows '5-2': "),
    (["explain", "--model", "models/adult-xgboost.json", "--data", "datasets/adult.csv", "--rows", "0", "--method", "linear"],
     "error: --method linear cannot explain a xgboost-json model; use --method auto"),
    (["bias", "--model", "models/adult-logistic.json", "--data", "datasets/adult.csv", "--reference", "nope"], "error: --reference: 'nope'"),
    (["bias", "--model", "models/adult-logistic.json", "--data", "datasets/adult.csv", "--fail-on", "equalized_odds_difference>0.1"],
     "error: invalid --fail-on 'equalized_odds_difference>0.1': equalized_odds_difference needs labels: give --label COLUMN;"),
  ])
  func printedWithFlags(arguments: [String], expected: String) throws {
    let run = try Glassbox.run(arguments)
    #expect(run.status != 0)
    #expect(run.stderr.contains(expected), "stderr: \(run.stderr)")
    #expect(!run.stderr.contains("\u{E000}") && !run.stderr.contains("\u{E001}"))
  }
}
