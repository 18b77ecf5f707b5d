/// A position between two stored lines, defined by the store: the file store uses byte
/// offsets; a database store might use the last row id. Positions grow as lines are
/// appended, and only positions a store returned are given back to it.
public typealias LogPosition = Int

/// The end of a log as a writer finds it, under the writers' lock.
public struct LogTail: Sendable, Equatable {
  /// The last whole line (without `\n`); nil when there is none.
  public var lastLine: [UInt8]?
  /// True when a torn line (a write cut short) follows `lastLine`. Nothing may be
  /// appended until `removeTornTail` took it away.
  public var isTorn: Bool
  /// The position after the last stored line: where appended lines go.
  public var end: LogPosition

  public init(lastLine: [UInt8]?, isTorn: Bool, end: LogPosition) {
    self.lastLine = lastLine
    self.isTorn = isTorn
    self.end = end
  }
}

/// What `removeTornTail` did.
public struct TornTailRemoval: Sendable, Equatable {
  /// Bytes removed from the end of the log.
  public var removedBytes: Int
  /// Where the store saved the log as it was before, if it did (the file store does).
  public var backup: String?

  public init(removedBytes: Int, backup: String?) {
    self.removedBytes = removedBytes
    self.backup = backup
  }
}

/// Where the lines of an audit log are kept: a file, a database table.
///
/// A store keeps lines as opaque bytes: it never builds, parses or re-serializes one, so
/// the hash chain (`HashChain`) is the same whatever the store. It orders writers, makes
/// appended lines durable, and hands lines back in the order they were appended.
///
/// Appending, one batch at a time (`AuditAppender` drives it):
/// ```
/// let tail = try store.beginAppend()           // lock; the last line continues the chain
/// try store.forEachLine(from: p, to: tail.end)  // (signing) lines others appended since p
/// let end = try store.write(lines)              // whole lines, each ending in \n; repeatable
/// try store.commitAppend()                      // durable, then unlock
/// ```
/// `abandonAppend()` replaces `commitAppend()` after a failure. Between `beginAppend` and
/// the end of the batch no other writer, in this process or another, may append.
///
/// Errors are `AuditError`s naming `location`: `.cannotRead` when the log cannot be read,
/// `.cannotWrite` when it cannot be written or locked.
public protocol LogStore: AnyObject {
  /// The log's name in messages (a path, or a URL without its password).
  var location: String { get }

  /// Opens the log for appending, creating it when absent; called once, before the
  /// first `beginAppend`.
  func openForAppend() throws(AuditError)

  /// Takes the writers' exclusive lock (waiting for other writers) and reads the end of
  /// the log. When it throws, the lock is not held.
  func beginAppend() throws(AuditError) -> LogTail

  /// Calls `body` with each line stored between positions `start` (nil: the first line)
  /// and `end` (a `LogTail.end` or a `write` result), in order; nothing when `start` is
  /// at or after `end`. Called with the lock held.
  func forEachLine(from start: LogPosition?, to end: LogPosition, _ body: ([UInt8]) -> Void) throws(AuditError)

  /// Appends `lines` (whole lines, each ending in `\n`) after the lines already in the
  /// batch, and returns the position after them. The store may hold them until
  /// `commitAppend`. On failure none of `lines` is kept: the log ends with the lines
  /// before them, whole.
  func write(_ lines: [UInt8]) throws(AuditError) -> LogPosition

  /// Makes every line written in the batch durable (on stable storage when it returns),
  /// then releases the lock, also when it throws.
  func commitAppend() throws(AuditError)

  /// Releases the lock after a failure, keeping what the store already holds.
  func abandonAppend()

  /// Releases what `openForAppend` took. The store is not used afterwards.
  func close()

  /// Calls `body` with every stored line in order, a torn last line included (with
  /// `isComplete` false), until `body` returns false. Takes no lock: a writer may be
  /// appending meanwhile, and lines it adds may or may not be seen.
  func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError)

  /// Under the writers' lock: when the log ends with a torn line, calls `approve` (which
  /// may read the log with `forEachStoredLine`, and throws to refuse), then saves a copy
  /// of the log if the store keeps backups and removes the torn line durably.
  /// - Returns: nil when the log ends with a whole line (nothing is done).
  func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval?
}

/// One line of a log as stored: its exact bytes (without the line end) and position.
public struct LogLine: Sendable {
  /// One-based line number.
  public var number: Int
  /// Where the line starts, in the store's positions (a byte offset in a file).
  public var offset: LogPosition
  /// The line's bytes, without `\n`.
  public var bytes: [UInt8]
  /// False for a last line with no `\n` (a torn write).
  public var isComplete: Bool

  public init(number: Int, offset: LogPosition, bytes: [UInt8], isComplete: Bool) {
    self.number = number
    self.offset = offset
    self.bytes = bytes
    self.isComplete = isComplete
  }
}

/// A kind of store, chosen by how a log argument (`--audit LOG`, `audit verify LOG`) begins.
public struct LogStoreKind: Sendable {
  /// The kind's name, for messages and documentation (`file`, `sqlite`).
  public var name: String
  /// The beginning of the arguments this kind takes (`sqlite:`); nil for the default kind.
  public var prefix: String?
  /// Makes a store for the argument (prefix included). Nothing is opened yet.
  public var make: @Sendable (String) throws(AuditError) -> any LogStore

  public init(name: String, prefix: String?, make: @escaping @Sendable (String) throws(AuditError) -> any LogStore) {
    self.name = name
    self.prefix = prefix
    self.make = make
  }
}

/// The kinds of store a log argument can name: the first kind whose prefix begins the
/// argument, else the default (a file path).
public struct LogStoreRegistry: Sendable {
  /// Kinds matched by prefix, in order.
  public var kinds: [LogStoreKind]
  /// The kind for arguments no prefix matches.
  public var defaultKind: LogStoreKind

  public init(kinds: [LogStoreKind], defaultKind: LogStoreKind) {
    self.kinds = kinds
    self.defaultKind = defaultKind
  }

  /// The file store alone. The database stores live in GlassboxAuditStores, which adds them
  /// in `LogStoreRegistry.withDatabases`; a new store adds its kind there.
  public static let standard = LogStoreRegistry(kinds: [], defaultKind: FileLogStore.kind)

  /// The store `argument` names.
  /// - Throws: what the kind's `make` throws (e.g. a malformed URL).
  public func store(for argument: String) throws(AuditError) -> any LogStore {
    let kind = kinds.first { kind in kind.prefix.map(argument.hasPrefix) ?? false } ?? defaultKind
    return try kind.make(argument)
  }
}
