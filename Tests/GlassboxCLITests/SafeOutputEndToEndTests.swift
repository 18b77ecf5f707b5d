import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Output files and messages under signals, closed pipes, full disks, links, and hostile
/// input text (issue #18).
@Suite struct SafeOutputEndToEndTests {
  static let model = "models/adult-logistic.json"
  static let data = "datasets/adult.csv"

  /// Starts a long `explain --method kernel --out` into `folder`, waits for its temporary
  /// file, sends `signal`, and returns the process after it ended and its stderr.
  private func interrupt(with signal: Int32, in folder: ScratchFolder) throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Glassbox.binary)
    process.currentDirectoryURL = URL(fileURLWithPath: Glassbox.root)
    process.arguments = [
      "explain", "--model", Self.model, "--data", Self.data, "--method", "kernel", "--background", Self.data,
      "--format", "csv", "--out", folder.path + "/phi.csv",
    ]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var waited = 0
    while !folder.contents().contains(where: { $0.contains(".tmp-") }) && waited < 30_000 {
      usleep(10_000)
      waited += 10
    }
    #expect(folder.contents().contains { $0.hasPrefix("phi.csv.tmp-") })
    kill(process.processIdentifier, signal)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process, stderr)
  }

  @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
  func aSignalRemovesTheTemporaryFiles(signal: Int32) throws {
    let folder = ScratchFolder()
    let (process, stderr) = try interrupt(with: signal, in: folder)
    #expect(process.terminationReason == .uncaughtSignal)
    #expect(process.terminationStatus == signal)
    #expect(folder.contents().isEmpty)
    #expect(stderr.split(separator: "\n").count == 1)
    #expect(stderr.hasPrefix("glassbox: interrupted; '\(folder.path)/phi.csv'"))
  }

  @Test func sigquitEndsLikeSigtermWithoutABacktrace() throws {
    let folder = ScratchFolder()
    let (process, stderr) = try interrupt(with: SIGQUIT, in: folder)
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 128 + SIGQUIT)
    #expect(folder.contents().isEmpty)
    #expect(stderr.split(separator: "\n").count == 1)
    #expect(stderr.hasPrefix("glassbox: interrupted"))
  }

  @Test func aClosedStandardOutputEndsQuietly() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Glassbox.binary)
    process.currentDirectoryURL = URL(fileURLWithPath: Glassbox.root)
    process.arguments = ["explain", "--model", Self.model, "--data", Self.data, "--format", "csv"]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read the first line, then go away as `head -1` does.
    let first = out.fileHandleForReading.readData(ofLength: 100)
    try out.fileHandleForReading.close()
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(String(decoding: first, as: UTF8.self).hasPrefix("row,"))
    #expect(stderr == "")
    // Killed by SIGPIPE when the parent left it at its default (a shell shows 141), or
    // exit 141 when SIGPIPE is ignored and the write fails with EPIPE.
    let killedByPipe = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGPIPE
    #expect(killedByPipe || process.terminationStatus == 141)
  }

  @Test func aFullDiskIsOneLineWithExit74() throws {
    let run = try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--format", "csv", "--out", "/dev/full"])
    #expect(run.status == 74)
    #expect(run.stderr == "glassbox: error: writing '/dev/full' failed: no space left on device\n")
    #expect(!FileManager.default.fileExists(atPath: "/dev/full.tmp-0"))
  }

  @Test func aMissingFolderGetsAdviceAndExit73() throws {
    let run = try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "0", "--out", "/nonexistent-folder/x.csv"])
    #expect(run.status == 73)
    #expect(run.stderr.contains("No such file or directory; check that its folder exists and is writable"))
  }

  @Test func aSymbolicLinkIsWrittenThroughAndAnExistingModeKept() throws {
    let folder = ScratchFolder()
    let target = folder.write("real.csv", "old\n")
    #expect(chmod(target, 0o600) == 0)
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.csv", withDestinationPath: "real.csv")
    let run = try Glassbox.run([
      "explain", "--model", Self.model, "--data", Self.data, "--rows", "0-2", "--format", "csv", "--out", folder.path + "/link.csv",
    ])
    #expect(run.status == 0)
    let direct = try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "0-2", "--format", "csv"])
    let written = try String(contentsOfFile: target, encoding: .utf8)
    #expect(written == direct.stdout)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.path + "/link.csv") == "real.csv")
    var info = stat()
    #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o600)
    #expect(Set(folder.contents()) == ["real.csv", "link.csv"])
  }

  @Test func hostileCellsGiveShortEscapedWarnings() throws {
    let lines = try String(contentsOfFile: Glassbox.root + "/" + Self.data, encoding: .utf8).split(separator: "\n")
    let rest = lines[1].split(separator: ",", omittingEmptySubsequences: false).dropFirst().joined(separator: ",")
    let big = String(repeating: "a", count: 1 << 20)
    let folder = ScratchFolder()
    let csv = folder.write("bad.csv", "\(lines[0])\n\"4\u{1B}[31mX\rY\",\(rest)\n9\(big),\(rest)\n")
    let run = try Glassbox.run(["explain", "--model", Self.model, "--data", csv, "--format", "csv", "--on-bad-row", "skip"])
    #expect(run.status == 0)
    let warnings = run.stderr.split(separator: "\n").filter { $0.hasPrefix("glassbox: warning:") }
    try #require(warnings.count == 2)
    #expect(warnings[0].contains("'4\\e[31mX\\rY'"))
    #expect(warnings[1].contains("'9" + String(repeating: "a", count: 59) + "... (1048577 bytes)'"))
    #expect(warnings.allSatisfy { $0.utf8.count < 400 })
    #expect(!run.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
  }

  @Test func hostileTextIsEscapedInTerminalAndMarkdownReports() throws {
    let lines = try String(contentsOfFile: Glassbox.root + "/" + Self.data, encoding: .utf8).split(separator: "\n")
    let hostile = "\u{1B}]0;title\u{07}X"
    let folder = ScratchFolder()
    // An id column that sets the terminal's title, and an age that is not a number.
    var body = "id,\(lines[0])\n\"\(hostile)\",\(lines[1])\n"
    let cells = lines[2].split(separator: ",", omittingEmptySubsequences: false).dropFirst().joined(separator: ",")
    body += "y,\"4\u{1B}[31m\",\(cells)\n"
    let csv = folder.write("ids.csv", body)
    func controlFree(_ text: String) -> Bool { !text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" } }
    for format in ["table", "markdown"] {
      let run = try Glassbox.run([
        "explain", "--model", Self.model, "--data", csv, "--id-column", "id", "--format", format, "--on-bad-row", "explain",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout.contains("\\e]0;title\\x07X"), "\(format): \(run.stdout.prefix(300))")
      #expect(controlFree(run.stdout), "\(format)")
    }
    let check = try Glassbox.run(["check", "--model", Self.model, "--data", csv, "--format", "table"])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stdout.contains("4\\e[31m"), "\(check.stdout)")
    #expect(controlFree(check.stdout))
  }

  @Test(arguments: ["--top", "--rows", "--threads", "--class", "--samples"])
  func aNegativeNumberIsNamed(option: String) throws {
    let run = try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, option, "-1"])
    #expect(run.status == 64)
    #expect(run.stderr.hasPrefix("glassbox: error: \(option) "))
    #expect(run.stderr.contains("got -1"))
    #expect(!run.stderr.contains("Missing value"))
  }
}
