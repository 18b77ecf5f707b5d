import GlassboxData

#if canImport(Glibc)
  import Glibc
#endif

/// A failure of a benchmark's set-up (a missing variable, an unreadable file).
struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

enum Bench {
  /// The environment variable `name`, if set.
  static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  /// The environment variable `name`, or an error naming it.
  static func required(_ name: String) throws -> String {
    guard let value = environment(name) else { throw BenchError("set \(name)") }
    return value
  }

  /// The CPU time this process has used, in seconds (less sensitive than wall time to
  /// other processes sharing the machine).
  static func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }

  /// An integer environment variable, or `fallback` when unset or not a number.
  static func integer(_ name: String, default fallback: Int) -> Int { environment(name).flatMap { Int($0) } ?? fallback }

  /// A headed CSV of numbers (encoded rows), row-major; an empty cell is NaN.
  static func readNumbers(_ path: String) throws -> (rows: [Double], count: Int) {
    let text = String(decoding: try ByteSource.contents(of: path), as: UTF8.self)
    var values: [Double] = []
    var count = 0
    for line in text.split(separator: "\n").dropFirst() where !line.isEmpty {
      for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
        guard let value = cell.isEmpty ? Double.nan : Double(cell) else {
          throw BenchError("\(path): '\(cell)' is not a number")
        }
        values.append(value)
      }
      count += 1
    }
    return (values, count)
  }

  /// Writes `message` and a newline to standard error and exits with `status`.
  static func fail(_ message: String, status: Int32) -> Never {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
  }

  /// Seconds in a duration.
  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
}
