import Foundation
import Testing

/// A mistyped subcommand or flag gets one line naming the nearest valid one, exit 64.
@Suite("Suggestions for mistyped commands and flags")
struct UsageSuggestionEndToEndTests {
  @Test(
    "names the nearest subcommand or flag",
    arguments: [
      (["explian"], "unknown command 'explian'; did you mean 'glassbox explain'?", "glassbox --help"),
      (["explain", "--modle", "m.json"], "unknown option '--modle' for 'glassbox explain'; did you mean '--model'?",
       "glassbox explain --help"),
      (["audit", "verfy", "log"], "unknown command 'verfy'; did you mean 'glassbox audit verify'?", "glassbox audit --help"),
      (["audit", "verify", "--publik-key", "k", "log"],
       "unknown option '--publik-key' for 'glassbox audit verify'; did you mean '--public-key'?",
       "glassbox audit verify --help"),
      (["bias", "--sensitiv", "sex"], "unknown option '--sensitiv' for 'glassbox bias'; did you mean '--sensitive'?",
       "glassbox bias --help"),
    ])
  func suggests(arguments: [String], message: String, help: String) throws {
    let run = try Glassbox.run(arguments)
    #expect(run.status == 64)
    #expect(run.stderr == "glassbox: error: \(message) (see '\(help)')\n", "\(run.stderr)")
  }

  @Test("a word far from every name lists the choices or names the option alone")
  func farWords() throws {
    let command = try Glassbox.run(["zebra"])
    #expect(command.status == 64)
    #expect(command.stderr.contains("unknown command 'zebra'; the commands are explain, inspect, check, audit, bias"))
    let option = try Glassbox.run(["explain", "--model", "m.json", "--zzzzzz"])
    #expect(option.stderr.contains("unknown option '--zzzzzz' for 'glassbox explain' (see"), "\(option.stderr)")
  }

  @Test("the top-level help lists the exit codes, examples fit 80 columns")
  func helpListsExitCodes() throws {
    let run = try Glassbox.run(["--help"], environment: ["COLUMNS": "80"])
    for code in ["0", "1", "2", "64", "65", "66", "69", "70", "73", "74"] {
      #expect(run.stdout.contains("\n  \(code) "), "exit status \(code) is not listed")
    }
    for command in ["explain", "check", "bias", "audit"] {
      let help = try Glassbox.run([command, "--help"], environment: ["COLUMNS": "80"])
      // Example lines are never wrapped by the help formatter: a wrapped one would continue
      // at column 0 on the next line.
      let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      var examples = 0
      for (i, line) in lines.enumerated() where line.hasPrefix("  glassbox ") || line.hasPrefix("  cat ") {
        examples += 1
        #expect(line.count <= 80, "\(command): \(line)")
        if i + 1 < lines.count, let next = lines[i + 1].first {
          #expect(next == " ", "\(command): an example was wrapped: \(line) / \(lines[i + 1])")
        }
      }
      #expect(examples >= 2, "\(command): \(examples) examples found")
    }
  }
}
