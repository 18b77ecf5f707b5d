import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Temporary files to remove if the process is ended by a signal, kept where a signal
/// handler can read them without allocating or locking: a fixed table of C strings whose
/// live slots are marked in one atomic bit mask.
///
/// `AtomicFile` registers its temporary file on creation and unregisters it on commit or
/// discard. At most `capacity` files are registered at once; further ones are still
/// written, but not removed by a signal.
public enum TemporaryFiles {
  /// Slots in the table.
  public static let capacity = 16
  /// Bytes per path, including the terminating NUL; longer paths are not registered.
  static let pathBytes = Int(PATH_MAX)

  /// Slots handed out (bit i: slot i is taken).
  private static let reserved = Atomic<UInt64>(0)
  /// Slots whose paths are complete and must be removed on a signal.
  private static let live = Atomic<UInt64>(0)
  /// Per slot: the temporary path, then the target's name (for the interruption message).
  private nonisolated(unsafe) static let table = UnsafeMutablePointer<CChar>.allocate(capacity: capacity * 2 * pathBytes)

  /// Records `temporaryPath` (written for `target`); returns its slot, or nil when the
  /// table is full or a path is too long.
  static func register(_ temporaryPath: String, target: String) -> Int? {
    let paths = [Array(temporaryPath.utf8CString), Array(target.utf8CString)]
    guard paths.allSatisfy({ $0.count <= pathBytes }) else { return nil }
    var mask = reserved.load(ordering: .relaxed)
    while true {
      guard let free = (0..<capacity).first(where: { mask & (1 << UInt64($0)) == 0 }) else { return nil }
      let (exchanged, now) = reserved.compareExchange(
        expected: mask, desired: mask | (1 << UInt64(free)), ordering: .acquiringAndReleasing)
      if exchanged {
        for (k, bytes) in paths.enumerated() {
          bytes.withUnsafeBufferPointer { source in
            (table + (free * 2 + k) * pathBytes).update(from: source.baseAddress!, count: source.count)
          }
        }
        live.bitwiseOr(1 << UInt64(free), ordering: .releasing)
        return free
      }
      mask = now
    }
  }

  /// Forgets a slot (the file was renamed or removed).
  static func unregister(_ slot: Int?) {
    guard let slot else { return }
    live.bitwiseAnd(~(1 << UInt64(slot)), ordering: .releasing)
    reserved.bitwiseAnd(~(1 << UInt64(slot)), ordering: .releasing)
  }

  /// Removes every registered temporary file. Async-signal-safe: only atomic loads and
  /// `unlink(2)`.
  /// - Returns: the mask of slots that were live, for `writeTargets(of:)`.
  @discardableResult
  public static func removeAll() -> UInt64 {
    let mask = live.load(ordering: .acquiring)
    for slot in 0..<capacity where mask & (1 << UInt64(slot)) != 0 {
      unlink(table + slot * 2 * pathBytes)
    }
    return mask
  }

  /// Writes the targets of the slots in `mask` to `fd`, separated by ", ", quoted with '.
  /// Async-signal-safe: `strlen` and `write(2)` only. Returns how many were written.
  static func writeTargets(of mask: UInt64, to fd: Int32) -> Int {
    var written = 0
    for slot in 0..<capacity where mask & (1 << UInt64(slot)) != 0 {
      let name = table + (slot * 2 + 1) * pathBytes
      if written > 0 { emit(", ", to: fd) }
      emit("'", to: fd)
      _ = write(fd, name, strlen(name))
      emit("'", to: fd)
      written += 1
    }
    return written
  }

  /// Touches the table and masks so that a signal handler never runs their lazy
  /// initialisation.
  static func prepare() {
    _ = live.load(ordering: .relaxed)
    _ = reserved.load(ordering: .relaxed)
    _ = table
    _ = capacity + pathBytes
  }
}

/// The append in progress, if any: a file being appended to under an exclusive lock, and
/// the size it had before the batch began. A signal that ends the process cuts the file
/// back to that size, so that a batch of audit records lands whole or not at all (never a
/// torn last line). One append at a time per process.
public enum PendingAppend {
  private static let descriptor = Atomic<Int32>(-1)
  private static let start = Atomic<Int64>(0)

  /// Marks the batch that begins at `offset` of `fd` (call with the file locked).
  public static func begin(fd: Int32, at offset: Int) {
    start.store(Int64(offset), ordering: .releasing)
    descriptor.store(fd, ordering: .releasing)
  }

  /// The batch is complete (synced) or was already cut back: a signal leaves the file.
  public static func end() {
    descriptor.store(-1, ordering: .releasing)
  }

  /// Cuts the pending batch off. Async-signal-safe: atomic loads and `ftruncate(2)`.
  /// - Returns: true when a batch was pending.
  @discardableResult
  static func rollBack() -> Bool {
    let fd = descriptor.load(ordering: .acquiring)
    guard fd >= 0 else { return false }
    _ = ftruncate(fd, off_t(start.load(ordering: .acquiring)))
    return true
  }

  static func prepare() {
    _ = descriptor.load(ordering: .relaxed)
    _ = start.load(ordering: .relaxed)
  }
}

/// Ends the process cleanly on SIGINT, SIGTERM, SIGHUP and SIGQUIT: removes the registered
/// temporary files, prints one line on standard error (`glassbox: interrupted; 'phi.csv'
/// was not written`), and ends with status 128 + the signal number: SIGINT, SIGTERM and
/// SIGHUP by re-raising the signal with its default action (so a shell sees the signal),
/// SIGQUIT by `_exit(131)` (its default action would dump core; the runtime's handler
/// prints a backtrace).
public enum TerminationSignals {
  /// The signals handled.
  public static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

  /// Installs the handler for `handled` (call once, early in `main`).
  public static func install() {
    TemporaryFiles.prepare()
    PendingAppend.prepare()
    ChildProcessGroups.prepare()
    for signal in handled {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = terminationHandler
      sigemptyset(&action.sa_mask)
      for other in handled { sigaddset(&action.sa_mask, other) }
      action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
      sigaction(signal, &action, nil)
    }
    // A parent may start the process with these signals blocked; they must arrive.
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for signal in handled { sigaddset(&unblocked, signal) }
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
  }

  /// Removes the temporary files and ends the process with `status` without a message:
  /// for an output whose reader went away (a closed pipe).
  public static func exitQuietly(status: Int32) -> Never {
    TemporaryFiles.removeAll()
    PendingAppend.rollBack()
    ChildProcessGroups.terminateAll()
    _exit(status)
  }
}

/// The signal handler: async-signal-safe calls only (atomic loads, `unlink`, `ftruncate`,
/// `write`, `raise`, `_exit`).
private func terminationHandler(_ signal: Int32) {
  let mask = TemporaryFiles.removeAll()
  let rolledBack = PendingAppend.rollBack()
  ChildProcessGroups.terminateAll()
  emit("glassbox: interrupted", to: 2)
  if mask != 0 {
    emit("; ", to: 2)
    let count = TemporaryFiles.writeTargets(of: mask, to: 2)
    emit(count == 1 ? " was not written" : " were not written", to: 2)
  }
  if rolledBack { emit("; the unfinished batch of audit records was not appended", to: 2) }
  emit("\n", to: 2)
  if signal == SIGQUIT { _exit(128 + signal) }
  // SA_RESETHAND restored the default action; the signal is delivered when this returns.
  raise(signal)
}

/// Writes a compile-time string: no allocation, so safe in a signal handler.
private func emit(_ text: StaticString, to fd: Int32) {
  _ = write(fd, text.utf8Start, text.utf8CodeUnitCount)
}
