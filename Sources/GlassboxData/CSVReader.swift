/// A streaming RFC 4180 CSV reader.
///
/// Handles quoted fields with embedded commas, doubled quotes and newlines, LF and CRLF
/// line ends, a UTF-8 byte-order mark, and blank lines (skipped). The header is the
/// first line unless column names are given (headerless streaming input). Records come
/// out in blocks; memory is bounded by the block size plus one read chunk, whatever the
/// input's size.
///
/// - Complexity: O(bytes) overall.
public final class CSVReader {
  /// The column names, from the header line or as given.
  public let columns: [String]
  /// The name of the input in messages.
  public var sourceName: String { source.name }

  private let source: ByteSource
  private var buffer: [UInt8] = []
  private var position = 0
  private var atEnd = false
  private var line = 1
  private var nextRow = 0
  private let chunkSize: Int

  /// Opens a CSV input.
  /// - Parameters:
  ///   - source: the bytes.
  ///   - columns: names for a headerless input; nil reads them from the first line.
  ///   - chunkSize: bytes per `read(2)`.
  /// - Throws: `DataError` for an empty input, a malformed or duplicated header.
  public init(source: ByteSource, columns: [String]? = nil, chunkSize: Int = 1 << 20) throws(DataError) {
    self.source = source
    self.chunkSize = chunkSize
    // Skip a UTF-8 byte-order mark.
    try Self.fill(source, &buffer, &atEnd, minimum: 3, chunk: chunkSize)
    if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
    if let columns {
      self.columns = columns
    } else {
      var header = CSVBlock(columnCount: 0, firstRow: 0)
      guard let _ = try Self.parseRecords(
        source.name, &buffer, &position, &atEnd, &line, into: &header, expected: nil, limit: 1,
        source: source, chunk: chunkSize)
      else { throw .emptyInput(path: source.name) }
      guard header.count == 1 else { throw .emptyInput(path: source.name) }
      let n = header.starts.count
      var names: [String] = []
      for k in 0..<n {
        let s = Int(header.starts[k])
        let l = Int(header.lengths[k])
        let raw = String(decoding: header.bytes[s..<(s + l)], as: UTF8.self)
        names.append(raw.trimmingSpaces())
      }
      self.columns = names
    }
    var seen = Set<String>()
    for name in self.columns where !seen.insert(name).inserted {
      throw .duplicateColumn(path: source.name, column: name)
    }
  }

  /// Opens the CSV file at `path` (`-` for standard input).
  public convenience init(path: String, columns: [String]? = nil) throws(DataError) {
    try self.init(source: ByteSource(path: path), columns: columns)
  }

  /// Bytes of input consumed by the records returned so far (for progress reports).
  public var bytesConsumed: Int { source.bytesRead - (buffer.count - position) }
  /// The input's size when known (a regular file).
  public var totalBytes: Int? { source.size }

  /// The index of column `name`, if present.
  public func index(of name: String) -> Int? { columns.firstIndex(of: name) }

  /// Reads the next block of at most `maxRecords` records; nil at the end of input.
  ///
  /// Returns as soon as at least one record is complete and the bytes already read are
  /// used up, so a pipe's lines flow through without waiting for a full block.
  /// - Throws: `DataError.malformedCSV` or `.fieldCount` with the line number.
  public func nextBlock(maxRecords: Int) throws(DataError) -> CSVBlock? {
    var block = CSVBlock(columnCount: columns.count, firstRow: nextRow)
    guard let n = try Self.parseRecords(
      source.name, &buffer, &position, &atEnd, &line, into: &block, expected: columns,
      limit: maxRecords, source: source, chunk: chunkSize)
    else { return nil }
    nextRow += n
    return block
  }

  // MARK: - Parsing

  private static func fill(
    _ source: ByteSource, _ buffer: inout [UInt8], _ atEnd: inout Bool, minimum: Int, chunk: Int
  ) throws(DataError) {
    while !atEnd && buffer.count < minimum {
      if try source.read(into: &buffer, maximum: chunk) == 0 { atEnd = true }
    }
  }

  private enum Outcome { case record, incomplete, blank, end }

  /// Parses up to `limit` records into `block`. Returns the number parsed, or nil when
  /// the input is exhausted before any record.
  private static func parseRecords(
    _ name: String, _ buffer: inout [UInt8], _ position: inout Int, _ atEnd: inout Bool,
    _ line: inout Int, into block: inout CSVBlock, expected: [String]?, limit: Int,
    source: ByteSource, chunk: Int
  ) throws(DataError) -> Int? {
    var parsed = 0
    let fields = expected?.count ?? 0
    var scratch = [Int32](repeating: 0, count: 2 * fields)
    while parsed < limit {
      // Plain records (no quotes) in bulk; the general parser takes the first other one
      // (and the header, whose field count is not known yet).
      if fields > 0 {
        parsed += buffer.withUnsafeBufferPointer { bytes in
          scratch.withUnsafeMutableBufferPointer { scratch in
            plainRecords(bytes, &position, atEnd, &line, &block, fields: fields, limit: limit - parsed, scratch: scratch)
          }
        }
      }
      if parsed == limit { break }
      let outcome = try buffer.withUnsafeBufferPointer { bytes throws(DataError) in
        try parseOne(name, bytes, &position, atEnd, &line, &block, expected: expected)
      }
      switch outcome {
      case .record:
        parsed += 1
      case .blank:
        continue
      case .end:
        return parsed == 0 ? nil : parsed
      case .incomplete:
        if parsed > 0 { return parsed }
        // Keep the unparsed tail and read more.
        if position > 0 {
          buffer.removeSubrange(0..<position)
          position = 0
        }
        if try source.read(into: &buffer, maximum: chunk) == 0 { atEnd = true }
      }
    }
    return parsed
  }

  /// Parses up to `limit` records that hold no quote at the start of a field, end with a
  /// line end inside `buffer` and have `fields` fields; stops before the first other record
  /// (blank, quoted, cut off, wrong field count) and leaves it to `parseOne`, whose result
  /// on plain records this equals byte for byte. Each record is copied in one piece, its
  /// commas and line end turned into the fields' 0 bytes; `scratch` (2 × `fields` entries)
  /// holds a record's field starts and lengths on the way.
  /// - Returns: the number of records parsed.
  /// - Complexity: O(bytes of the records).
  private static func plainRecords(
    _ buffer: UnsafeBufferPointer<UInt8>, _ position: inout Int, _ atEnd: Bool, _ line: inout Int,
    _ block: inout CSVBlock, fields: Int, limit: Int, scratch: UnsafeMutableBufferPointer<Int32>
  ) -> Int {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    guard let p = buffer.baseAddress, fields > 0, scratch.count >= 2 * fields else { return 0 }
    let end = buffer.count
    var parsed = 0
    var i = position
    records: while parsed < limit, i < end {
      let c0 = p[i]
      if c0 == quote || c0 == lf || c0 == cr { break }
      // Find the fields and the line end; give up on a quoted field, a record cut off by
      // the buffer's end, or a wrong number of fields.
      var j = i
      var f = 0
      var fieldStart = i
      while true {
        // To the next comma or line end: 8 bytes at a time, then byte by byte.
        while j + 8 <= end {
          let found = separators(UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
          if found != 0 {
            j += found.trailingZeroBitCount >> 3
            break
          }
          j += 8
        }
        while j < end, p[j] != comma, p[j] != lf, p[j] != cr { j += 1 }
        guard j < end else { break records }
        if p[j] != comma { break }
        if f + 1 >= fields { break records }
        scratch[f] = Int32(truncatingIfNeeded: fieldStart - i)
        scratch[fields + f] = Int32(truncatingIfNeeded: j - fieldStart)
        f += 1
        fieldStart = j + 1
        if j + 1 < end && p[j + 1] == quote { break records }
        j += 1
      }
      if f + 1 != fields { break }
      if p[j] == cr && j + 1 >= end && !atEnd { break }
      scratch[f] = Int32(truncatingIfNeeded: fieldStart - i)
      scratch[fields + f] = Int32(truncatingIfNeeded: j - fieldStart)
      // Copy the record with its line end; each field's end becomes its 0 byte.
      let base = block.bytes.count
      block.bytes.append(contentsOf: UnsafeBufferPointer(start: p + i, count: j - i + 1))
      block.bytes.withUnsafeMutableBufferPointer { bytes in
        for q in 0..<fields { bytes[base + Int(scratch[q]) + Int(scratch[fields + q])] = 0 }
      }
      for q in 0..<fields { scratch[q] += Int32(truncatingIfNeeded: base) }
      block.starts.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<fields]))
      block.lengths.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[fields..<(2 * fields)]))
      i = (p[j] == cr && j + 1 < end && p[j + 1] == lf) ? j + 2 : j + 1
      block.lines.append(line)
      line += 1
      parsed += 1
    }
    position = i
    return parsed
  }

  /// A word whose lowest set bit is the high bit of the first (lowest-addressed) byte of `w`
  /// that is a comma, LF or CR; 0 when there is none. Each test is the exact zero-byte test
  /// `(x − 0x01…01) & ~x & 0x80…80` on `x = w ^ c…c`: its lowest set bit marks the first
  /// zero byte (bits above it may be spurious, so only the lowest is used).
  @inline(__always)
  private static func separators(_ w: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let a = w ^ (ones &* 0x2C), b = w ^ (ones &* 0x0A), c = w ^ (ones &* 0x0D)
    return (((a &- ones) & ~a) | ((b &- ones) & ~b) | ((c &- ones) & ~c)) & highs
  }

  private static func parseOne(
    _ name: String, _ buffer: UnsafeBufferPointer<UInt8>, _ position: inout Int, _ atEnd: Bool, _ line: inout Int,
    _ block: inout CSVBlock, expected: [String]?
  ) throws(DataError) -> Outcome {
    let end = buffer.count
    if position >= end { return atEnd ? .end : .incomplete }
    let savedBytes = block.bytes.count
    let savedFields = block.starts.count
    let startLine = line
    var lineCount = line
    var i = position
    var fields = 0
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    // A blank line (LF or CRLF alone) is skipped.
    if buffer[i] == lf || buffer[i] == cr {
      if buffer[i] == cr {
        if i + 1 >= end && !atEnd { return .incomplete }
        i += (i + 1 < end && buffer[i + 1] == lf) ? 2 : 1
      } else {
        i += 1
      }
      position = i
      line += 1
      return .blank
    }

    func rollback() -> Outcome {
      block.bytes.removeSubrange(savedBytes...)
      block.starts.removeSubrange(savedFields...)
      block.lengths.removeSubrange(savedFields...)
      return .incomplete
    }

    while true {
      let fieldStart = block.bytes.count
      if i < end && buffer[i] == quote {
        i += 1
        while true {
          guard i < end else {
            if !atEnd { return rollback() }
            throw .malformedCSV(
              InputLocation(file: name, line: startLine), problem: "a quoted field is never closed")
          }
          let c = buffer[i]
          if c == quote {
            if i + 1 >= end && !atEnd { return rollback() }
            if i + 1 < end && buffer[i + 1] == quote {
              block.bytes.append(quote)
              i += 2
              continue
            }
            i += 1
            break
          }
          if c == lf { lineCount += 1 }
          block.bytes.append(c)
          i += 1
        }
        if i < end, buffer[i] != comma, buffer[i] != lf, buffer[i] != cr {
          throw .malformedCSV(
            InputLocation(file: name, line: lineCount),
            problem: "unexpected character '\(Character(Unicode.Scalar(buffer[i])))' after a closing quote")
        }
      } else {
        var j = i
        while j < end {
          let c = buffer[j]
          if c == comma || c == lf || c == cr { break }
          j += 1
        }
        block.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<j]))
        i = j
      }
      block.starts.append(Int32(fieldStart))
      block.lengths.append(Int32(block.bytes.count - fieldStart))
      block.bytes.append(0)
      fields += 1
      // After a field: a comma, a line end, or the end of input.
      if i >= end {
        if !atEnd { return rollback() }
        break
      }
      let c = buffer[i]
      if c == comma {
        i += 1
        if i >= end && !atEnd { return rollback() }
        if i >= end {
          // A trailing comma at the very end: one more empty field.
          block.starts.append(Int32(block.bytes.count))
          block.lengths.append(0)
          block.bytes.append(0)
          fields += 1
          break
        }
        continue
      }
      if c == cr {
        if i + 1 >= end && !atEnd { return rollback() }
        i += (i + 1 < end && buffer[i + 1] == lf) ? 2 : 1
      } else {
        i += 1
      }
      lineCount += 1
      break
    }
    if let expected, fields != expected.count {
      throw .fieldCount(InputLocation(file: name, line: startLine), found: fields, expected: expected.count)
    }
    position = i
    line = lineCount
    block.lines.append(startLine)
    return .record
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return String(s)
  }
}
