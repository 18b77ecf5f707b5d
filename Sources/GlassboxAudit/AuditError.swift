import GlassboxSystem
import GlassboxData

/// Failures writing, reading, repairing or replaying an audit log. Each prints as one
/// line saying what, where, and what to do.
public enum AuditError: UserFacingError, Equatable {
  /// A file (log, key, model, data) could not be opened or read.
  case cannotRead(path: String, reason: String)
  /// The log or a key file could not be created or written.
  case cannotWrite(path: String, reason: String)
  /// The log's last line has no line end: a write was cut short (crash, full disk).
  case tornTail(path: String, seq: Int)
  /// A line of the log is not an audit record.
  case malformedLine(path: String, line: Int, problem: String)
  /// A key file has the wrong content.
  case invalidKey(path: String, problem: String)
  /// A secret key file can be read by other users.
  case insecureKeyFile(path: String, mode: UInt32)
  /// A file the log refers to no longer has the recorded content.
  case hashMismatch(what: String, path: String, recorded: String, found: String)
  /// `repair` found damage it must not touch.
  case notRepairable(path: String, problem: String)
  /// A log cannot be copied or exported as asked (its chain is broken, the destination is
  /// not empty, it has no checkpoint).
  case cannotUse(path: String, problem: String)
  /// A record filter (`--since`, `--until`, `--seq`) that cannot be right.
  case invalidFilter(problem: String)
  /// A database server could not be reached or refused the connection (its TLS
  /// certificate failed the check, the login was refused).
  case unavailable(location: String, reason: String)

  public var kind: FailureKind {
    switch self {
    case .cannotRead: .noInput
    case .cannotWrite: .cannotCreate
    case .invalidFilter: .usage
    case .unavailable: .unavailable
    case .tornTail, .malformedLine, .invalidKey, .insecureKeyFile, .hashMismatch, .notRepairable, .cannotUse: .data
    }
  }

  public var description: String {
    switch self {
    case .cannotRead(let path, let reason):
      return "cannot read '\(path)': \(reason)"
    case .cannotWrite(let path, let reason):
      return "cannot write '\(path)': \(reason); check that its folder exists and is writable"
    case .tornTail(let path, let seq):
      return "the last line of '\(path)' (seq \(seq)) is incomplete, a write was cut short; nothing more is appended until "
        + "'glassbox audit repair \(path)' removes it (it keeps a backup)"
    case .malformedLine(let path, let line, let problem):
      return "\(path):\(line): not an audit record: \(problem); run 'glassbox audit verify \(path)'"
    case .invalidKey(let path, let problem):
      return "'\(path)' is not a usable key: \(problem); make one with 'glassbox audit keygen'"
    case .insecureKeyFile(let path, let mode):
      return "the secret key '\(path)' can be read by other users (mode \(String(mode & 0o777, radix: 8))); run 'chmod 600 \(path)'"
    case .hashMismatch(let what, let path, let recorded, let found):
      return "the \(what) '\(path)' has changed since it was recorded (SHA-256 \(found.prefix(16))..., recorded \(recorded.prefix(16))...); "
        + "replay needs the exact file"
    case .notRepairable(let path, let problem):
      return "'\(path)' was not changed: \(problem)"
    case .cannotUse(let path, let problem):
      return "'\(path)': \(problem)"
    case .invalidFilter(let problem):
      return problem
    case .unavailable(let location, let reason):
      return "cannot connect to '\(location)': \(reason)"
    }
  }
}
