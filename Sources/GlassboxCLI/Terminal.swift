import Dispatch
import GlassboxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Facts about the terminal and environment that decide how output looks.
enum Terminal {
  static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }

  /// Columns of standard output's terminal: `COLUMNS`, else the tty size, else 100.
  static func width() -> Int {
    if let text = environment("COLUMNS"), let n = Int(text), n > 0 { return n }
    var size = winsize()
    if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 100
  }

  /// Colors only on a terminal, never when `NO_COLOR` is set (https://no-color.org) or TERM=dumb.
  static func colorAllowed(forcedOff: Bool) -> Bool {
    if forcedOff { return false }
    if let noColor = environment("NO_COLOR"), !noColor.isEmpty { return false }
    if environment("TERM") == "dumb" { return false }
    return isTerminal(1)
  }

  /// The number of online cores.
  static func cores() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

  /// Writes `text` to standard error as one line, through `TerminalSafe.line(_:)`: control
  /// characters escaped and overlong quoted values cut, whatever built the message.
  static func printError(_ text: String) {
    var line = TerminalSafe.line(text.hasSuffix("\n") ? String(text.dropLast()) : text)
    line += "\n"
    var bytes = Array(line.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
  }

  /// Seconds since an arbitrary start (monotonic).
  static func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}

/// A progress line on standard error (rows, rows/s, elapsed time, and with a file of known
/// size its share and ETA), redrawn by a timer 5 times a second, so that a slow method shows
/// life before its first block of rows is done. Only shown when standard error is a
/// terminal. Thread-safe: the pipeline reports from its thread, the timer draws from its own;
/// the state is behind a mutex and the timer, set once, is only cancelled (which Dispatch
/// allows from any thread).
final class ProgressLine: @unchecked Sendable {
  private struct State {
    var rows = 0
    var bytes = 0
    var totalBytes: Int?
    var drawn = false
    var finished = false
    /// No drawing before this time (a warning is being printed).
    var quietUntil = 0.0
  }

  private let enabled: Bool
  private let start = Terminal.now()
  private let state = Mutex(State())
  private let timer: DispatchSourceTimer?

  init(enabled: Bool) {
    self.enabled = enabled && Terminal.isTerminal(2)
    guard self.enabled else {
      timer = nil
      return
    }
    let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
    timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
    self.timer = timer
    timer.setEventHandler { [weak self] in self?.draw() }
    timer.resume()
  }

  /// The rows done so far and the bytes of input read.
  func update(rows: Int, bytes: Int, totalBytes: Int?) {
    guard enabled else { return }
    state.withLock {
      $0.rows = rows
      $0.bytes = bytes
      $0.totalBytes = totalBytes
    }
  }

  /// Clears the line and keeps it away for a second: a warning is about to be printed.
  func pause() {
    guard enabled else { return }
    state.withLock {
      $0.quietUntil = Terminal.now() + 1
      if $0.drawn { Self.write("\r\u{1B}[2K") }
      $0.drawn = false
    }
  }

  /// Stops the timer and clears the line for good.
  func finish() {
    guard enabled else { return }
    let first = state.withLock {
      let first = !$0.finished
      $0.finished = true
      if $0.drawn { Self.write("\r\u{1B}[2K") }
      $0.drawn = false
      return first
    }
    if first { timer?.cancel() }
  }

  private func draw() {
    state.withLock {
      let t = Terminal.now()
      guard !$0.finished, t >= $0.quietUntil else { return }
      let elapsed = max(t - start, 1e-9)
      // Before the first block of rows is done only the time shows that work goes on.
      var text = $0.rows == 0
        ? "\r\u{1B}[2K  working…  \(Self.clock(elapsed))"
        : "\r\u{1B}[2K  \($0.rows) rows  \(Int(Double($0.rows) / elapsed)) rows/s  \(Self.clock(elapsed))"
      if let total = $0.totalBytes, total > 0, $0.bytes > 0 {
        let fraction = min(1, Double($0.bytes) / Double(total))
        let remaining = elapsed * (1 - fraction) / max(fraction, 1e-9)
        let filled = Int(fraction * 20)
        text += "  [" + String(repeating: "█", count: filled) + String(repeating: " ", count: 20 - filled) + "]"
        text += "  \(Int(fraction * 100))%  ETA \(Self.clock(remaining))"
      }
      Self.write(text)
      $0.drawn = true
    }
  }

  private static func write(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
  }

  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    let m = s / 60, h = m / 60
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return h > 0 ? "\(h):\(two(m % 60)):\(two(s % 60))" : "\(m):\(two(s % 60))"
  }
}
