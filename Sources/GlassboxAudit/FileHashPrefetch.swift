import Dispatch
import Synchronization

/// Hashes files in the background so that an audited run does not wait for them.
///
/// An audited run hashes its executable (7 MB for a release build), model, card, background and data
/// file before the first record. `start(paths:)` begins all of them at once on other
/// threads, while the model loads; `AuditSchema.fileSHA256(path:)` then takes a
/// prefetched result (waiting for it if need be) instead of reading the file again.
/// Each result is used once and forgotten, so a later call hashes the file afresh.
public enum FileHashPrefetch {
  private final class Slot: @unchecked Sendable {
    let done = DispatchGroup()
    var result: Result<String, AuditError>?
  }

  private static let slots = Mutex<[String: Slot]>([:])

  /// Starts hashing each path (duplicates and paths already pending are skipped).
  public static func start(paths: [String]) {
    for path in paths {
      let slot = Slot()
      let fresh = slots.withLock { pending -> Bool in
        if pending[path] != nil { return false }
        pending[path] = slot
        return true
      }
      guard fresh else { continue }
      slot.done.enter()
      DispatchQueue.global().async {
        slot.result = Result { () throws(AuditError) -> String in try AuditSchema.hashFile(path: path) }
        slot.done.leave()
      }
    }
  }

  /// The prefetched hash of `path`, waiting for it; nil when none was started.
  static func take(path: String) -> Result<String, AuditError>? {
    guard let slot = slots.withLock({ $0.removeValue(forKey: path) }) else { return nil }
    slot.done.wait()
    return slot.result
  }
}
