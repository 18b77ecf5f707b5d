#if canImport(Glibc)
  import Glibc
#endif

/// Reads lines from a file descriptor (a child's standard output), with a time limit per
/// line.
struct LineReader {
  enum Outcome: Equatable {
    case line(String)
    case endOfFile
    case timedOut
  }

  let fd: Int32
  private var buffer: [UInt8] = []
  private var start = 0

  init(fd: Int32) { self.fd = fd }

  /// The next line without its `\n` (and `\r`), the end of the input, or a time-out after
  /// `seconds` without a complete line (nil: wait as long as it takes).
  /// - Complexity: O(line length) amortized.
  mutating func next(timeout seconds: Double?) -> Outcome {
    var deadline = timespec()
    clock_gettime(CLOCK_MONOTONIC, &deadline)
    let limit = seconds.map { Double(deadline.tv_sec) + Double(deadline.tv_nsec) / 1e9 + $0 }
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        var end = newline
        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: buffer[start..<end], as: UTF8.self)
        start = newline + 1
        if start > 65536 && start * 2 > buffer.count {
          buffer.removeFirst(start)
          start = 0
        }
        return .line(line)
      }
      if let limit {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let remaining = limit - (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        if remaining <= 0 { return .timedOut }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(min(remaining * 1000 + 1, 2_000_000_000)))
        if ready < 0 && errno == EINTR { continue }
        if ready == 0 { continue }
      }
      var chunk = [UInt8](repeating: 0, count: 65536)
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 {
        if start < buffer.count {
          // A last line without its newline still counts.
          let line = String(decoding: buffer[start...], as: UTF8.self)
          start = buffer.count
          return .line(line)
        }
        return .endOfFile
      }
      buffer.append(contentsOf: chunk[0..<n])
    }
  }
}
