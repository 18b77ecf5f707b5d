import Foundation
import Testing

/// Every `$ glassbox ...` example in README.md runs as typed, and every output line the
/// README shows is a line of what it prints, so the manual cannot go stale.
///
/// An example is a fenced block whose first line starts with `$ `; `\` continues a command
/// on the next line; the other non-empty lines are the output shown. Output conventions:
/// a line that is only `...` or `…` stands for lines left out; `...` inside a line stands
/// for any text (`0,1,...` is a line that starts with `0,1,`). Examples that need a file the README
/// does not create (a broken model, a hand-edited CSV) or whose command is itself elided
/// are listed in `needsFilesNotInTheRepository` and counted.
@Suite("README examples")
struct ReadmeExamplesTests {
  struct Example {
    var commands: [String]
    var shown: [String]
  }

  /// Substrings of the commands of examples that cannot run as typed here.
  /// The two SQLite examples also need the sqlite3 program, which `make test` does not.
  static let needsFilesNotInTheRepository = ["broken.json", "bad.csv", "workclass=State-gov,...", "applicants.csv", "tampered.db"]
  /// Examples that need a model server running (Integration/remote-models runs one).
  static let needsAServer = ["--model-url http://127.0.0.1:8080/"]

  static func examples(in file: String = "README.md") throws -> [Example] {
    let text = try String(contentsOfFile: Glassbox.root + "/" + file, encoding: .utf8)
    var examples: [Example] = []
    let parts = text.components(separatedBy: "```")
    // Odd-numbered parts are the insides of fenced blocks.
    for (k, part) in parts.enumerated() where k % 2 == 1 {
      var lines = part.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      if let first = lines.first, !first.hasPrefix("$ ") { lines.removeFirst() }  // a language tag line
      guard lines.first?.hasPrefix("$ ") == true else { continue }
      var example = Example(commands: [], shown: [])
      var i = 0
      while i < lines.count {
        var line = lines[i]
        if line.hasPrefix("$ ") {
          var command = String(line.dropFirst(2))
          while command.hasSuffix("\\"), i + 1 < lines.count {
            i += 1
            line = lines[i]
            command = String(command.dropLast()) + " " + line.trimmingCharacters(in: .whitespaces)
          }
          example.commands.append(command)
        } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
          example.shown.append(line)
        }
        i += 1
      }
      examples.append(example)
    }
    return examples
  }

  /// Runs `commands` with `sh` in a scratch folder that sees the repository's models and
  /// datasets, with the built glassbox first on PATH.
  func run(_ commands: [String]) throws -> (status: Int32, lines: [String]) {
    let scratch = ScratchFolder()
    for folder in ["models", "datasets", ".build"] {
      try FileManager.default.createSymbolicLink(
        atPath: scratch.path + "/" + folder, withDestinationPath: Glassbox.root + "/" + folder)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // `swift build` steps are already done: the test build built every product.
    let steps = commands.filter { !$0.hasPrefix("swift build") }
    process.arguments = ["-c", steps.joined(separator: " && ")]
    process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = URL(fileURLWithPath: Glassbox.binary).deletingLastPathComponent().path + ":"
      + (environment["PATH"] ?? "/usr/bin:/bin")
    environment["NO_COLOR"] = "1"
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    return (process.terminationStatus, lines.map { String($0).trimmingTrailingSpaces() })
  }

  /// True when `printed` is the `shown` line, where each `...` in `shown` stands for any
  /// text (so `abc...` is a prefix and `a...z` keeps both ends).
  static func matches(_ printed: String, shown: String) -> Bool {
    let pieces = shown.components(separatedBy: "...")
    guard pieces.count > 1 else { return printed == shown }
    guard printed.hasPrefix(pieces[0]), printed.hasSuffix(pieces[pieces.count - 1]) else { return false }
    var rest = printed[printed.index(printed.startIndex, offsetBy: pieces[0].count)...]
    for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
      guard let range = rest.range(of: piece) else { return false }
      rest = rest[range.upperBound...]
    }
    return rest.count >= pieces[pieces.count - 1].count
  }

  @Test("the elision rule: ... stands for any text")
  func elision() {
    #expect(Self.matches("abcdef", shown: "abc..."))
    #expect(Self.matches("abcdef", shown: "ab...ef"))
    #expect(Self.matches("a1b2c", shown: "a...b...c"))
    #expect(!Self.matches("abcdef", shown: "abd..."))
    #expect(!Self.matches("abc", shown: "ab...bc"))
    #expect(Self.matches("plain", shown: "plain") && !Self.matches("plain", shown: "plan"))
  }

  @Test("each example prints the lines the README shows")
  func examplesPrintWhatTheReadmeShows() throws {
    let all = try Self.examples()
    let skipped = all.filter { e in
      (Self.needsFilesNotInTheRepository + Self.needsAServer).contains { marker in e.commands.contains { $0.contains(marker) } }
    }
    let runnable = all.filter { e in !skipped.contains { $0.commands == e.commands } }
    #expect(all.count == 19, "README examples found: \(all.map(\.commands))")
    #expect(skipped.count == 6)
    try check(runnable)
  }

  /// The `$ glassbox` examples of the documents under docs/: the files that hold them and
  /// how many each holds.
  static let documentedExamples = ["docs/audit-log.md": 1, "docs/data-checks.md": 1, "docs/library.md": 1]

  @Test("each example in docs/ prints the lines its page shows")
  func documentationExamplesPrintWhatTheyShow() throws {
    let pages = try FileManager.default.contentsOfDirectory(atPath: Glassbox.root + "/docs").filter { $0.hasSuffix(".md") }
    var found: [String: Int] = [:]
    for page in pages.sorted() {
      let examples = try Self.examples(in: "docs/" + page)
      if !examples.isEmpty { found["docs/" + page] = examples.count }
      try check(examples)
    }
    #expect(found == Self.documentedExamples)
  }

  /// Runs each example and expects every line it shows among the lines printed.
  func check(_ examples: [Example]) throws {
    for example in examples {
      let (_, printed) = try run(example.commands)
      for line in example.shown {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed == "..." || trimmed == "…" { continue }
        let expected = line.trimmingTrailingSpaces()
        let found = printed.contains { Self.matches($0, shown: expected) }
        #expect(found, "\(example.commands.last ?? ""): the page shows a line it does not print:\n\(line)")
      }
    }
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var s = Substring(self)
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
