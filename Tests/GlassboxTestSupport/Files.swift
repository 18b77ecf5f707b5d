import Foundation

/// The repository's `Tests/Fixtures` directory, located from this source file's path
/// (so it works whatever the current directory of the test process is).
public let fixturesDirectory: String = {
  var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(2)  // GlassboxTestSupport/Files.swift
  return parts.joined(separator: "/") + "/Fixtures"
}()

/// The repository's `Fuzz` folder: seed corpora and regression inputs (docs/fuzzing.md).
public let fuzzDirectory: String = String(fixturesDirectory.dropLast("Tests/Fixtures".count)) + "Fuzz"

/// The paths of the regular files in `folder`, sorted; none when it does not exist.
public func regularFiles(in folder: String) -> [String] {
  guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
  return names.filter { !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }
}

/// Failure of a test-support file helper.
public struct TestFileError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Writes `contents` (as UTF-8, byte for byte: no newline is added) to `path`,
/// replacing any existing file.
public func writeFile(_ path: String, _ contents: String) throws {
  try writeFile(path, Array(contents.utf8))
}

/// Writes raw `bytes` to `path`, replacing any existing file.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
  guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
    throw TestFileError("cannot write '\(path)'")
  }
}

/// A fresh, uniquely named directory under `/tmp`, removed with everything in it when
/// the object is released. Keep a reference for as long as the files are needed:
///
/// ```swift
/// let dir = try TemporaryDirectory()
/// let csv = try dir.write("x.csv", "a,b\n1,2\n")
/// ```
public final class TemporaryDirectory {
  /// The directory's absolute path (no trailing slash).
  public let path: String

  /// Creates the directory (`/tmp/<prefix>-XXXXXX`).
  public init(prefix: String = "glassbox-test") throws {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else { throw TestFileError("mkdtemp failed for prefix '\(prefix)'") }
    path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// The absolute path of `name` inside the directory (the file need not exist).
  public func file(_ name: String) -> String { path + "/" + name }

  /// Writes `contents` to `name` inside the directory and returns its path.
  @discardableResult
  public func write(_ name: String, _ contents: String) throws -> String {
    let p = file(name)
    try writeFile(p, contents)
    return p
  }

  /// Writes raw bytes to `name` inside the directory and returns its path.
  @discardableResult
  public func write(_ name: String, bytes: [UInt8]) throws -> String {
    let p = file(name)
    try writeFile(p, bytes)
    return p
  }

  /// Creates a subdirectory and returns its path.
  @discardableResult
  public func makeDirectory(_ name: String) throws -> String {
    let p = file(name)
    try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
  }
}
