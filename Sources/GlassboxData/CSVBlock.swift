/// A block of parsed CSV records, stored flat for speed.
///
/// Each field's unescaped bytes are followed by a 0 byte, so a field can be handed to
/// C number parsers directly. Blocks are independent values: a batch pipeline reads a
/// block on one thread and encodes and explains it on another.
public struct CSVBlock: Sendable {
  /// Unescaped field bytes, each field followed by a 0 byte.
  var bytes: [UInt8] = []
  /// Start offset into `bytes` of each field, record-major.
  var starts: [Int32] = []
  /// Length of each field (without the 0 byte).
  var lengths: [Int32] = []
  /// The number of fields in every record.
  public let columnCount: Int
  /// The physical line (one-based) on which each record starts.
  public internal(set) var lines: [Int] = []
  /// The zero-based data-row index of the block's first record.
  public let firstRow: Int

  init(columnCount: Int, firstRow: Int) {
    self.columnCount = columnCount
    self.firstRow = firstRow
  }

  /// Number of records.
  public var count: Int { lines.count }

  /// Calls `body` with the bytes of field `column` of record `record` (zero-terminated
  /// in memory just past the buffer's end).
  @inlinable
  public func withField<R>(
    _ record: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
  ) rethrows -> R {
    let k = record * columnCount + column
    let start = Int(fieldStart(k))
    let length = Int(fieldLength(k))
    return try withBytes { all in
      try body(UnsafeBufferPointer(rebasing: all[start..<(start + length)]))
    }
  }

  @usableFromInline func fieldStart(_ k: Int) -> Int32 { starts[k] }
  @usableFromInline func fieldLength(_ k: Int) -> Int32 { lengths[k] }
  @usableFromInline func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try bytes.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with every field's bytes, start offsets and lengths at once (record-major,
  /// as stored), for loops over many cells that should not look each one up.
  func withStorage<R>(
    _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) throws -> R
  ) rethrows -> R {
    try bytes.withUnsafeBufferPointer { b in
      try starts.withUnsafeBufferPointer { s in try lengths.withUnsafeBufferPointer { l in try body(b, s, l) } }
    }
  }

  /// Field `column` of record `record` as a string (UTF-8, invalid bytes repaired).
  public func string(_ record: Int, _ column: Int) -> String {
    withField(record, column) { String(decoding: $0, as: UTF8.self) }
  }

  /// The zero-based data-row index of record `record`.
  public func rowIndex(_ record: Int) -> Int { firstRow + record }
}
