import Foundation
import GlassboxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A long-lived child process run by `/bin/sh -c COMMAND` in its own process group, with
/// its standard input and output connected to pipes and its standard error passed through
/// to glassbox's own, the last lines kept for error messages.
///
/// The process group is registered with `ChildProcessGroups`, so a signal that ends
/// glassbox (Ctrl-C) also ends the child. Closing its standard input asks it to end.
final class ChildProcess: @unchecked Sendable {
  let command: String
  let pid: pid_t
  /// The write end of the child's standard input (-1 once closed).
  private(set) var input: Int32
  /// The read end of the child's standard output.
  let output: Int32
  private let errorOutput: Int32
  private let slot: Int?
  private let tail = StderrTail()
  private let stderrDone = DispatchSemaphore(value: 0)
  private var status: Int32?

  /// Starts `command` through `/bin/sh -c`.
  /// - Throws: `RemoteModelError` when the pipes or the process cannot be made.
  init(command: String, source: String) throws {
    self.command = command
    // A child that ends while glassbox writes to it must give EPIPE, not kill glassbox.
    signal(SIGPIPE, SIG_IGN)
    var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
    guard closingOnExec(pipe(&stdinPipe), stdinPipe), closingOnExec(pipe(&stdoutPipe), stdoutPipe),
      closingOnExec(pipe(&stderrPipe), stderrPipe)
    else {
      throw RemoteModelError(source: source, problem: "could not be started: no pipes (\(String(cString: strerror(errno))))")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
    posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    posix_spawnattr_setsigmask(&attributes, &unblocked)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let arguments = ["/bin/sh", "-c", command].map { (text: String) in strdup(text) }
    defer { arguments.forEach { free($0) } }
    var argv: [UnsafeMutablePointer<CChar>?] = arguments + [nil]
    var child: pid_t = 0
    let started = posix_spawn(&child, "/bin/sh", &actions, &attributes, &argv, environ)
    for fd in [stdinPipe[0], stdoutPipe[1], stderrPipe[1]] { close(fd) }
    guard started == 0 else {
      for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] { close(fd) }
      throw RemoteModelError(source: source, problem: "could not be started (\(String(cString: strerror(started))))")
    }
    pid = child
    input = stdinPipe[1]
    output = stdoutPipe[0]
    errorOutput = stderrPipe[0]
    slot = ChildProcessGroups.register(child)
    let (fd, tail, done) = (errorOutput, tail, stderrDone)
    Thread.detachNewThread {
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        buffer.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, n) }
        tail.append(buffer[0..<n])
      }
      close(fd)
      done.signal()
    }
  }

  /// The last `count` lines the child wrote on standard error, waiting up to `wait` seconds
  /// for it to close standard error (it has ended) so that its final words are included.
  func lastErrorLines(_ count: Int = 5, wait: Double = 0) -> [String] {
    if wait > 0, stderrDone.wait(timeout: .now() + wait) == .success { stderrDone.signal() }
    return tail.lastLines(count)
  }

  /// Writes all of `bytes` to the child's standard input.
  /// - Returns: false when the child closed its end (it ended).
  func write(_ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(input, $0.baseAddress! + offset, $0.count - offset) }
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += n
    }
    return true
  }

  /// How the child ended, if it has: waits up to `wait` seconds for it.
  /// - Returns: "exited with status 1", "was killed by signal 9", or nil while it runs.
  func exitDescription(wait: Double) -> String? {
    let deadline = Date().addingTimeInterval(wait)
    while status == nil {
      var raw: Int32 = 0
      let r = waitpid(pid, &raw, WNOHANG)
      if r == pid {
        status = raw
        ChildProcessGroups.unregister(slot)
      } else if r < 0 && errno != EINTR {
        return "ended"
      } else if Date() >= deadline {
        return nil
      } else {
        usleep(10_000)
      }
    }
    let raw = status ?? 0
    if raw & 0x7f == 0 { return "exited with status \((raw >> 8) & 0xff)" }
    return "was killed by signal \(raw & 0x7f)"
  }

  /// Closes the child's standard input, waits up to `grace` seconds for it to end, then
  /// ends its process group with SIGTERM (and SIGKILL a second later).
  func stop(grace: Double = 3) {
    if input >= 0 {
      close(input)
      input = -1
    }
    if exitDescription(wait: grace) == nil {
      kill(-pid, SIGTERM)
      if exitDescription(wait: 1) == nil {
        kill(-pid, SIGKILL)
        _ = exitDescription(wait: 1)
      }
    }
    close(output)
    ChildProcessGroups.unregister(slot)
  }
}

/// Marks both ends of a new pipe close-on-exec (other children must not inherit them).
/// - Returns: false when `pipe` failed.
private func closingOnExec(_ result: Int32, _ fds: [Int32]) -> Bool {
  guard result == 0 else { return false }
  for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
  return true
}

/// The end of a child's standard error: at most `limit` bytes, for error messages.
final class StderrTail: Sendable {
  private let bytes = Mutex<[UInt8]>([])
  private let limit = 8192

  func append(_ chunk: ArraySlice<UInt8>) {
    bytes.withLock {
      $0.append(contentsOf: chunk)
      if $0.count > limit { $0.removeFirst($0.count - limit) }
    }
  }

  /// The last `count` non-empty lines, oldest first.
  func lastLines(_ count: Int) -> [String] {
    let text = bytes.withLock { String(decoding: $0, as: UTF8.self) }
    let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
      .map { String($0) }.filter { !$0.allSatisfy(\.isWhitespace) }
    return Array(lines.suffix(count))
  }
}
