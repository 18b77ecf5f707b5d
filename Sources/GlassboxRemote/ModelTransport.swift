/// One batch of rows on its way to a model: its 1-based number (for messages) and its rows.
public struct TransportBatch: Sendable {
  public var number: Int
  /// `count × features` values, row-major, in the model's feature order; NaN is missing.
  public var rows: ArraySlice<Double>
  public var count: Int

  public init(number: Int, rows: ArraySlice<Double>, count: Int) {
    self.number = number
    self.rows = rows
    self.count = count
  }
}

/// How rows reach a model that glassbox does not hold: a child process, an HTTP endpoint.
///
/// A transport moves batches and checks the shape of the answers; `RemoteModel` above it
/// queues, deduplicates and splits rows into batches, and reads the answers as margins.
public protocol ModelTransport: AnyObject, Sendable {
  /// How messages name the model: "the model command 'python3 predict.py'".
  var source: String { get }
  /// Values the model answers per row.
  var answerWidth: Int { get }
  /// What the model calls its answers (class names), when it says.
  var answerNames: [String]? { get }
  /// Facts for `inspect` (the command, the server's metadata).
  var facts: [(key: String, value: String)] { get }
  /// The answers to `batches`, `count × answerWidth` finite numbers each, in order.
  /// - Throws: `RemoteModelError` naming the batch that failed.
  func evaluate(_ batches: [TransportBatch]) throws -> [[Double]]
  /// Ends the connection or the process (idempotent).
  func close()
  /// Groups of batches `RemoteModel` may hand to `evaluate` at once (default 1).
  var concurrentGroups: Int { get }
}

extension ModelTransport {
  /// One group at a time, for transports that cannot overlap them.
  public var concurrentGroups: Int { 1 }
}
