import Foundation
import GlassboxData
import GlassboxModels
import GlassboxRemote

/// A model served over docs/model-protocol.md by awk (no Python in `make test`):
/// f(a, b, c) = a·b + 0.5·c − a, a missing cell read as 0, with faults chosen by `mode`:
/// `proba` answers [1 − σ(f), σ(f)]; `die` writes "boom" on standard error and exits 3
/// during batch 2; `garbage`, `nan`, `short` answer a malformed line; `wrongid` a header
/// for another batch; `error` reports an error; `sleep` answers after 3 seconds;
/// `mute` never says ready.
enum TestCommand {
  static let script = """
    BEGIN { FS = "\\t"; state = 0 }
    function f(a, b, c) { return a * b + 0.5 * c - a }
    state == 0 { state = 1; next }
    state == 1 {
      if (mode == "mute") { while ((getline line) > 0) {} ; exit 0 }
      print (mode == "proba" ? "ready 2 no yes" : "ready 1"); fflush(); state = 2; next
    }
    state == 2 {
      split($0, h, " "); batches++; left = h[3]
      if (mode == "die" && batches == 2) { print "boom" > "/dev/stderr"; exit 3 }
      if (mode == "error") { print "error " h[2] " the model cannot score this"; fflush(); next }
      if (mode == "sleep") { system("sleep 3") }
      print "outputs " (mode == "wrongid" ? h[2] + 7 : h[2]) " " h[3]
      if (left == 0) fflush(); else state = 3
      next
    }
    state == 3 {
      y = f($1 + 0, $2 + 0, $3 + 0)
      if (mode == "proba") { p = 1 / (1 + exp(-y)); printf "%.17g\\t%.17g\\n", 1 - p, p }
      else if (mode == "garbage") print "abc"
      else if (mode == "nan") print "nan"
      else if (mode == "short") print ""
      else printf "%.17g\\n", y
      left--
      if (left == 0) { fflush(); state = 2 }
    }
    """

  /// The script's path (written once per process).
  static let path: String = {
    let path = NSTemporaryDirectory() + "glassbox-test-model-\(getpid()).awk"
    try? script.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }()

  static let schema = FeatureSchema(names: ["a", "b", "c"])

  /// The model function, computed here independently of awk.
  static func f(_ a: Double, _ b: Double, _ c: Double) -> Double {
    func z(_ x: Double) -> Double { x.isNaN ? 0 : x }
    return z(a) * z(b) + 0.5 * z(c) - z(a)
  }

  /// mawk reads a pipe in blocks unless told `-W interactive`; other awks read lines.
  static let awk: String = FileManager.default.isExecutableFile(atPath: "/usr/bin/mawk") ? "mawk -W interactive" : "awk"

  static func command(_ mode: String) -> String { "\(awk) -v mode=\(mode) -f \(path)" }

  static func model(
    _ mode: String = "plain", kind: RemoteOutputKind = .value, batchRows: Int = 1024, timeout: Double? = 10
  ) throws -> RemoteModel {
    let transport = try CommandTransport(command: command(mode), schema: schema, timeout: timeout, startTimeout: 5)
    return RemoteModel(transport: transport, featureNames: schema.names, kind: kind, batchRows: batchRows)
  }
}
