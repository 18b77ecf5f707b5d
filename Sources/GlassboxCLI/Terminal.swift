import GlassboxSystem

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

/// A progress line on standard error (rows, rows/s, ETA), redrawn at most 4 times a second.
/// Only shown when standard error is a terminal.
final class ProgressLine {
  private let enabled: Bool
  private let start = Terminal.now()
  private var lastDraw = 0.0
  private var drawn = false

  init(enabled: Bool) { self.enabled = enabled && Terminal.isTerminal(2) }

  func update(rows: Int, bytes: Int, totalBytes: Int?) {
    guard enabled else { return }
    let t = Terminal.now()
    guard t - lastDraw >= 0.25 else { return }
    lastDraw = t
    let elapsed = max(t - start, 1e-9)
    let rate = Double(rows) / elapsed
    var text = "\r\u{1B}[2K  \(rows) rows  \(Int(rate)) rows/s"
    if let total = totalBytes, total > 0, bytes > 0 {
      let fraction = min(1, Double(bytes) / Double(total))
      let remaining = elapsed * (1 - fraction) / max(fraction, 1e-9)
      let filled = Int(fraction * 20)
      text += "  [" + String(repeating: "█", count: filled) + String(repeating: " ", count: 20 - filled) + "]"
      text += "  \(Int(fraction * 100))%  ETA \(Self.clock(remaining))"
    }
    var bytesOut = Array(text.utf8)
    _ = bytesOut.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    drawn = true
  }

  func finish() {
    guard enabled, drawn else { return }
    var clear = Array("\r\u{1B}[2K".utf8)
    _ = clear.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
  }

  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    let m = s / 60, h = m / 60
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return h > 0 ? "\(h):\(two(m % 60)):\(two(s % 60))" : "\(m):\(two(s % 60))"
  }
}
