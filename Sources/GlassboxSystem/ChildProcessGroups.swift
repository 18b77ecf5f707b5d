import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Process groups of long-lived child processes (a model served by a command), kept where
/// a signal handler can read them: a fixed table of atomic slots.
///
/// A child started in its own process group registers it; when glassbox is ended by a
/// signal, the handler sends SIGTERM to every registered group, so an interrupted run
/// never leaves a model process behind.
public enum ChildProcessGroups {
  /// Slots in the table: children registered beyond it are still stopped by closing their
  /// standard input, but not signalled.
  public static let capacity = 4
  private static let slot0 = Atomic<Int32>(0)
  private static let slot1 = Atomic<Int32>(0)
  private static let slot2 = Atomic<Int32>(0)
  private static let slot3 = Atomic<Int32>(0)

  private static func withSlot<R>(_ i: Int, _ body: (borrowing Atomic<Int32>) -> R) -> R {
    switch i {
    case 0: body(slot0)
    case 1: body(slot1)
    case 2: body(slot2)
    default: body(slot3)
    }
  }

  /// Records process group `group`; returns its slot, or nil when the table is full.
  public static func register(_ group: Int32) -> Int? {
    for i in 0..<capacity {
      let taken = withSlot(i) { $0.compareExchange(expected: 0, desired: group, ordering: .acquiringAndReleasing).exchanged }
      if taken { return i }
    }
    return nil
  }

  /// Forgets a slot (its child has ended).
  public static func unregister(_ index: Int?) {
    guard let index else { return }
    withSlot(index) { $0.store(0, ordering: .releasing) }
  }

  /// Sends SIGTERM to every registered process group. Async-signal-safe: atomic loads and
  /// `kill(2)` only.
  static func terminateAll() {
    for i in 0..<capacity {
      let group = withSlot(i) { $0.load(ordering: .acquiring) }
      if group > 0 { _ = kill(-group, SIGTERM) }
    }
  }

  /// Touches the slots so that a signal handler never runs their lazy initialisation.
  static func prepare() {
    for i in 0..<capacity { _ = withSlot(i) { $0.load(ordering: .relaxed) } }
  }
}
