// The error protocol every module's user-facing errors conform to, and the failure kinds
// that decide a process's exit status: in the lowest layer, so every module can use them.

/// What kind of failure an error is, which decides the process exit status
/// (sysexits: 64 usage, 65 data, 66 no input, 73 cannot create, 74 I/O).
public enum FailureKind: Sendable {
  /// The command line is wrong.
  case usage
  /// An input file exists but its content is wrong.
  case data
  /// An input file is missing or unreadable.
  case noInput
  /// An output file could not be created.
  case cannotCreate
  /// Reading or writing failed mid-way.
  case io
}

/// An error a user can act on: it prints as one line saying what, where, and how to fix it.
public protocol UserFacingError: Error, CustomStringConvertible {
  /// Decides the exit status.
  var kind: FailureKind { get }
}
