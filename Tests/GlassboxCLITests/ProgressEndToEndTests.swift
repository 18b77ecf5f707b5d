import Foundation
import Testing

/// The progress line is redrawn by time, so a slow run shows life before its first block
/// of rows is done; it is cleared at the end and never written when stderr is not a terminal.
@Suite("Progress on a terminal")
struct ProgressEndToEndTests {
  /// Runs glassbox with stdout and stderr on a pseudo-terminal (util-linux `script`).
  func runOnTerminal(_ arguments: [String]) throws -> String {
    let quoted = ([Glassbox.binary] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-q", "-e", "-c", quoted, "/dev/null"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
  }

  @Test("a slow run of a few rows shows a ticking line, then clears it")
  func slowRunShowsLife() throws {
    let scratch = ScratchFolder()
    let lines = try String(contentsOfFile: Glassbox.root + "/datasets/adult.csv", encoding: .utf8)
      .split(separator: "\n").prefix(31)
    let background = scratch.write("bg.csv", lines.joined(separator: "\n") + "\n")
    let out = scratch.path + "/phi.jsonl"
    let text = try runOnTerminal([
      "explain", "--model", Glassbox.root + "/models/adult-xgboost.json", "--data", Glassbox.root + "/datasets/adult.csv",
      "--rows", "0-3", "--method", "kernel", "--background", background, "--out", out,
    ])
    let draws = text.components(separatedBy: "\r\u{1B}[2K").filter { $0.hasPrefix("  working…") || $0.contains(" rows/s ") }
    #expect(draws.count >= 1, "no progress line was drawn: \(text.debugDescription)")
    // The last thing written to the terminal is the clearing of the line.
    #expect(text.hasSuffix("\r\u{1B}[2K"), "\(text.suffix(40).debugDescription)")
    let written = try String(contentsOfFile: out, encoding: .utf8)
    #expect(written.split(separator: "\n").count == 4)
  }

  @Test("no progress line when stderr is not a terminal")
  func noProgressOffTerminal() throws {
    let run = try Glassbox.run([
      "explain", "--model", Glassbox.root + "/models/adult-xgboost.json", "--data", Glassbox.root + "/datasets/adult.csv",
      "--rows", "0-3", "--format", "json",
    ])
    #expect(run.status == 0)
    #expect(run.stderr.isEmpty)
  }
}
