#if canImport(Glibc)
  import Glibc
#endif

/// The memory a new allocation can still get without swapping: the kernel's
/// `MemAvailable`, lowered to the room left under the process's cgroup limit (v2
/// `memory.max` minus `memory.current`) when one is set.
public enum AvailableMemory {
  /// Bytes available, or nil when the system does not say (not Linux, no /proc).
  /// - Complexity: reads two or three small files.
  public static func bytes() -> Int? {
    var available = meminfoAvailable()
    if let limit = number(in: "/sys/fs/cgroup/memory.max"), let used = number(in: "/sys/fs/cgroup/memory.current") {
      let room = max(0, limit - used)
      available = min(available ?? room, room)
    }
    return available
  }

  /// `MemAvailable` from /proc/meminfo, in bytes.
  static func meminfoAvailable() -> Int? {
    guard let text = contents("/proc/meminfo") else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
    }
    return nil
  }

  /// The integer a one-line file holds ("max" and anything else: nil).
  static func number(in path: String) -> Int? {
    contents(path).flatMap { Int($0.split(separator: "\n").first ?? "") }
  }

  /// A small file's text (up to 64 KiB).
  static func contents(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var filled = 0
    while filled < buffer.count {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
      if n <= 0 { break }
      filled += n
    }
    return String(decoding: buffer[..<filled], as: UTF8.self)
  }
}
