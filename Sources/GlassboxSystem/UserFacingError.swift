// The error protocol every module's user-facing errors conform to, and the failure kinds
// that decide a process's exit status: in the lowest layer, so every module can use them.

/// What kind of failure an error is, which decides the process exit status
/// (sysexits: 64 usage, 65 data, 66 no input, 69 unavailable, 73 cannot create, 74 I/O).
public enum FailureKind: Sendable {
  /// The command line is wrong.
  case usage
  /// An input file exists but its content is wrong.
  case data
  /// An input file is missing or unreadable.
  case noInput
  /// Something the run needs is not available (memory, a service).
  case unavailable
  /// An output file could not be created.
  case cannotCreate
  /// Reading or writing failed mid-way.
  case io
}

/// An error a user can act on: it prints as one line saying what, where, and how to fix it.
///
/// `description` names the parameters involved plainly (`samples must be at least 2`); a
/// front end shows the message through `describe(spelling:)` to name them as it exposes them
/// (the CLI: `--samples must be at least 2`). Errors whose messages name parameters conform
/// through `ParameterNamingError`.
public protocol UserFacingError: Error, CustomStringConvertible {
  /// Decides the exit status.
  var kind: FailureKind { get }
  /// The message with the parameters it names spelled by `spelling`.
  func describe(spelling: ParameterSpelling) -> String
}

extension UserFacingError {
  /// A message that names no parameter reads the same under every spelling.
  public func describe(spelling: ParameterSpelling) -> String { description }
}
