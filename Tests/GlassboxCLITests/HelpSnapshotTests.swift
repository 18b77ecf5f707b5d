import Foundation
import Testing

/// `--help` of every command and subcommand, compared with the text committed under
/// `Tests/GlassboxCLITests/Snapshots/<name>.txt`. Run with `RECORD_SNAPSHOTS=1` to rewrite
/// the snapshots from the built binary (that run fails, so a recording is never taken for a
/// pass); review the diff and run again without it.
@Suite("--help text of every command")
struct HelpSnapshotTests {
  /// Snapshot name and the arguments that print the help.
  static let commands: [(name: String, arguments: [String])] = [
    ("glassbox", ["--help"]),
    ("explain", ["explain", "--help"]),
    ("inspect", ["inspect", "--help"]),
    ("check", ["check", "--help"]),
    ("bias", ["bias", "--help"]),
    ("summary", ["summary", "--help"]),
    ("report", ["report", "--help"]),
    ("audit", ["audit", "--help"]),
    ("audit-verify", ["audit", "verify", "--help"]),
    ("audit-witness", ["audit", "witness", "--help"]),
    ("audit-repair", ["audit", "repair", "--help"]),
    ("audit-replay", ["audit", "replay", "--help"]),
    ("audit-show", ["audit", "show", "--help"]),
    ("audit-export", ["audit", "export", "--help"]),
    ("audit-copy", ["audit", "copy", "--help"]),
    ("audit-keygen", ["audit", "keygen", "--help"]),
  ]

  static let folder = Glassbox.root + "/Tests/GlassboxCLITests/Snapshots"
  static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

  /// The help as a user sees it in a 100-column terminal (ArgumentParser reads COLUMNS when
  /// standard output is not a terminal, as here).
  static func help(_ arguments: [String]) throws -> GlassboxRun {
    try Glassbox.run(arguments, environment: ["COLUMNS": "100", "LINES": "50"])
  }

  @Test("matches its snapshot", arguments: commands.map(\.name))
  func matchesSnapshot(_ name: String) throws {
    let arguments = try #require(Self.commands.first { $0.name == name }).arguments
    let run = try Self.help(arguments)
    #expect(run.status == 0, "glassbox \(arguments.joined(separator: " ")) exited with \(run.status)")
    #expect(run.stderr.isEmpty, "stderr: \(run.stderr)")
    let path = Self.folder + "/" + name + ".txt"
    if Self.recording {
      try FileManager.default.createDirectory(atPath: Self.folder, withIntermediateDirectories: true)
      try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: path))
      Issue.record("recorded \(path); run again without RECORD_SNAPSHOTS=1")
      return
    }
    let snapshot = try String(contentsOfFile: path, encoding: .utf8)
    #expect(run.stdout == snapshot, "\(name): --help differs from \(path) (RECORD_SNAPSHOTS=1 re-records it)")
  }

  /// The snapshots read as the user types: no Swift type names or value dumps.
  @Test("snapshots show values, not Swift types", arguments: commands.map(\.name))
  func noTypeNames(_ name: String) throws {
    let snapshot = try String(contentsOfFile: Self.folder + "/" + name + ".txt", encoding: .utf8)
    #expect(!snapshot.isEmpty)
    #expect(!snapshot.contains("Argument("), "\(name) shows a Swift value")
    #expect(!snapshot.contains("Glassbox"), "\(name) shows a Swift module or type name")
  }

  /// Every snapshot on disk belongs to a command (no stale files after a rename).
  @Test func snapshotFolderHoldsExactlyTheCommands() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder).sorted()
    #expect(files == Self.commands.map { $0.name + ".txt" }.sorted())
  }

  /// Every subcommand the root help lists has a snapshot.
  @Test func everySubcommandIsCovered() throws {
    let names = Set(Self.commands.map(\.name))
    for (parent, prefix) in [(["--help"], ""), (["audit", "--help"], "audit-")] {
      let text = try Self.help(parent).stdout
      let listed = text.components(separatedBy: "SUBCOMMANDS:").dropFirst().first ?? ""
      let subcommands = listed.split(separator: "\n").compactMap { line -> String? in
        // A subcommand line is indented by two spaces and starts with a lowercase name;
        // wrapped abstracts are indented more, and the closing "See '...'" is capitalized.
        guard line.hasPrefix("  ") && !line.hasPrefix("   "), let word = line.split(separator: " ").first,
          word.allSatisfy({ $0.isLowercase || $0 == "-" })
        else { return nil }
        return String(word)
      }
      #expect(!subcommands.isEmpty, "no SUBCOMMANDS section in \(parent)")
      for subcommand in subcommands where subcommand != "help" {
        #expect(names.contains(prefix + subcommand), "no snapshot for \(prefix)\(subcommand)")
      }
    }
  }
}
