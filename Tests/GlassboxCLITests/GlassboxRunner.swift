import Foundation

/// Runs the built `glassbox` binary (it sits next to the test bundle) and captures its
/// output, as a user's shell would.
struct GlassboxRun {
  let status: Int32
  let stdout: String
  let stderr: String
}

enum Glassbox {
  /// The repository root (two levels above this file's folder).
  static let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
  }()

  /// The `glassbox` executable built alongside the tests.
  static let binary: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // XCTest bundles on Linux are executables in the build folder; Swift Testing may run
    // from a helper inside it.
    for _ in 0..<3 {
      let candidate = folder.appendingPathComponent("glassbox").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      folder = folder.deletingLastPathComponent()
    }
    return root + "/.build/debug/glassbox"
  }()

  /// Runs `glassbox arguments…` from the repository root, feeding `stdin`.
  static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> GlassboxRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: root)
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    // Read both pipes concurrently so a large output cannot dead-lock the child.
    nonisolated(unsafe) var errData = Data()
    let errThread = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    errThread.start()
    // Feed standard input from its own thread too: the child may write output before
    // it has read all its input.
    let writer = input.fileHandleForWriting
    let inThread = Thread {
      if let stdin { writer.write(Data(stdin.utf8)) }
      try? writer.close()
    }
    inThread.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errThread.isFinished || !inThread.isFinished { usleep(1000) }
    return GlassboxRun(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// JSON Lines parsed with Foundation (independent of glassbox's own JSON code).
  static func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
      guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw CocoaError(.coderReadCorrupt)
      }
      return object
    }
  }
}

/// A scratch folder removed when the value goes away.
final class ScratchFolder {
  let path: String
  init() {
    path = NSTemporaryDirectory() + "glassbox-cli-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
  func write(_ name: String, _ text: String) -> String {
    let file = path + "/" + name
    FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
    return file
  }
  func contents() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}

/// SHA-256 of a file by the system's sha256sum (independent of glassbox's hashing), in hex.
func systemSHA256(_ path: String) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
  process.arguments = [path]
  let out = Pipe()
  process.standardOutput = out
  try process.run()
  let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  return String(text.prefix(64))
}
