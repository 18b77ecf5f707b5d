import GlassboxData

#if canImport(Glibc)
  import Glibc
#endif

/// One line of a log as stored: its exact bytes (without the line end) and position.
public struct LogLine: Sendable {
  /// One-based line number.
  public var number: Int
  /// Byte offset of the line's first byte.
  public var offset: Int
  /// The line's bytes, without `\n`.
  public var bytes: [UInt8]
  /// False for a last line with no `\n` (a torn write).
  public var isComplete: Bool
}

/// Raw access to log files: lines by byte, never re-serialized.
enum LogFile {
  private static let chunk = 1 << 16

  /// The last line of the first `size` bytes, and whether it ends with `\n`.
  /// - Complexity: O(length of the last line).
  static func lastLine(fd: Int32, size: Int, path: String) throws(AuditError) -> ([UInt8], Bool) {
    var end = size
    var buffer = try pread(fd, offset: size - 1, count: 1, path: path)
    let complete = buffer.first == UInt8(ascii: "\n")
    if complete { end -= 1 }
    var collected: [UInt8] = []
    var position = end
    while position > 0 {
      let start = max(0, position - chunk)
      buffer = try pread(fd, offset: start, count: position - start, path: path)
      if let newline = buffer.lastIndex(of: UInt8(ascii: "\n")) {
        collected = Array(buffer[(newline + 1)...]) + collected
        return (collected, complete)
      }
      collected = buffer + collected
      position = start
    }
    return (collected, complete)
  }

  /// Calls `body` with each line between byte offsets `start` and `end` (which must be
  /// line boundaries).
  static func forEachLine(
    fd: Int32, from start: Int, to end: Int, path: String, _ body: ([UInt8]) -> Void
  ) throws(AuditError) {
    var position = start
    var carry: [UInt8] = []
    while position < end {
      let buffer = try pread(fd, offset: position, count: min(1 << 20, end - position), path: path)
      position += buffer.count
      var lineStart = 0
      while let newline = buffer[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
        if carry.isEmpty {
          body(Array(buffer[lineStart..<newline]))
        } else {
          body(carry + buffer[lineStart..<newline])
          carry.removeAll()
        }
        lineStart = newline + 1
      }
      carry.append(contentsOf: buffer[lineStart...])
    }
  }

  static func pread(_ fd: Int32, offset: Int, count: Int, path: String) throws(AuditError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
      let n = out.withUnsafeMutableBytes { p in Glibc.pread(fd, p.baseAddress! + got, count - got, off_t(offset + got)) }
      if n < 0 {
        if errno == EINTR { continue }
        throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
      }
      if n == 0 { break }
      got += n
    }
    out.removeLast(count - got)
    return out
  }

  /// The `seq` of a record line, nil when the line is not a JSON object with one.
  static func seq(of line: [UInt8]) -> Int? {
    guard let object = try? JSONParser.parse(line, path: "").object else { return nil }
    return object["seq"]?.number.flatMap { Int(exactly: $0) }
  }

  private static let seqMarker = Array(",\"seq\":".utf8)

  /// The `seq` written right after `schema`, read without parsing the line (nil when the
  /// line does not start that way); for the look-ahead of `verify`.
  static func leadingSeq(of line: [UInt8]) -> Int? {
    let window = line.prefix(64)
    var k = window.startIndex
    while k + seqMarker.count <= window.endIndex {
      if window[k..<(k + seqMarker.count)].elementsEqual(seqMarker) {
        var value = 0
        var digits = 0
        var i = k + seqMarker.count
        while i < line.count, line[i] >= UInt8(ascii: "0"), line[i] <= UInt8(ascii: "9"), digits < 18 {
          value = value * 10 + Int(line[i] - UInt8(ascii: "0"))
          digits += 1
          i += 1
        }
        return digits > 0 ? value : nil
      }
      k += 1
    }
    return nil
  }

  private static let checkpointMarker = Array(",\"type\":\"checkpoint\"".utf8)

  /// True for a checkpoint line (its `type` follows the chain fields).
  static func isCheckpoint(_ line: [UInt8]) -> Bool {
    let window = line.prefix(200)
    guard window.count >= checkpointMarker.count else { return false }
    var k = window.startIndex
    while k + checkpointMarker.count <= window.endIndex {
      if window[k] == UInt8(ascii: ","), window[k..<(k + checkpointMarker.count)].elementsEqual(checkpointMarker) {
        return true
      }
      k += 1
    }
    return false
  }

  /// Every line of the log at `path`.
  /// - Throws: `AuditError.cannotRead`.
  /// - Complexity: O(file size) time and memory.
  static func readLines(path: String) throws(AuditError) -> [LogLine] {
    let bytes: [UInt8]
    do {
      bytes = try ByteSource.contents(of: path)
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
    var lines: [LogLine] = []
    var start = 0
    var number = 1
    while start < bytes.count {
      if let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
        lines.append(LogLine(number: number, offset: start, bytes: Array(bytes[start..<newline]), isComplete: true))
        start = newline + 1
      } else {
        lines.append(LogLine(number: number, offset: start, bytes: Array(bytes[start...]), isComplete: false))
        start = bytes.count
      }
      number += 1
    }
    return lines
  }
}
