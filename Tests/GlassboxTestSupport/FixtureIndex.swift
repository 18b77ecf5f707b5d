import GlassboxData
import Testing

/// One case of `Tests/Fixtures/index.json` (written by tools/make_fixtures.py).
public struct FixtureCase: Sendable, CustomStringConvertible {
  /// The folder under Tests/Fixtures, e.g. `trees/xgb-regression`.
  public let path: String
  public let library: String
  public let objective: String
  public let caseDescription: String
  /// The files the case's folder must hold.
  public let files: [String]

  /// The folder's last component (`xgb-regression`).
  public var name: String { String(path.split(separator: "/").last ?? "") }
  /// The folder's first component (`trees`, `linear`).
  public var kind: String { String(path.split(separator: "/").first ?? "") }
  public var directory: String { fixturesDirectory + "/" + path }
  public var description: String { path }

  /// The listed files absent from the case's folder (empty when the case is complete).
  public var missingFiles: [String] {
    files.filter { (try? ByteSource.contents(of: directory + "/" + $0)) == nil }
  }
}

/// The fixture cases, as the index lists them, so a test that runs over fixtures knows how
/// many it must find: a missing file fails the test instead of shrinking its list.
public enum FixtureIndex {
  public static let path = fixturesDirectory + "/index.json"

  /// Every case in the index, in its order; empty when the index cannot be read (see `readError`).
  public static let all: [FixtureCase] = (try? read()) ?? []

  /// Why the index could not be read, or nil.
  public static var readError: String? {
    do {
      _ = try read()
      return nil
    } catch { return "\(error)" }
  }

  static func read() throws -> [FixtureCase] {
    guard let cases = try JSONParser.parseFile(path).object?["cases"]?.array else {
      throw TestFileError("\(path): no \"cases\" array")
    }
    return try cases.map { value in
      guard let o = value.object, let path = o["case"]?.string, let files = o["files"]?.array else {
        throw TestFileError("\(Self.path): a case without \"case\" or \"files\"")
      }
      return FixtureCase(
        path: path, library: o["library"]?.string ?? "", objective: o["objective"]?.string ?? "",
        caseDescription: o["description"]?.string ?? "", files: files.compactMap(\.string))
    }
  }

  /// The cases of one kind (`trees`, `linear`) that pass `filter`.
  public static func cases(kind: String, where filter: (FixtureCase) -> Bool = { _ in true }) -> [FixtureCase] {
    all.filter { $0.kind == kind && filter($0) }
  }

  /// The names of the tree cases that pass `filter` (the arguments of a parameterized test).
  public static func trees(where filter: (FixtureCase) -> Bool = { _ in true }) -> [String] {
    cases(kind: "trees", where: filter).map(\.name)
  }

  /// The case at `Tests/Fixtures/<path>`.
  public static func `case`(_ path: String) throws -> FixtureCase {
    guard let found = all.first(where: { $0.path == path }) else {
      throw TestFileError("\(Self.path) does not list \(path)\(readError.map { " (\($0))" } ?? "")")
    }
    return found
  }

  /// Records an issue unless the index lists at least one case for a test's filter and
  /// every file of every listed case is on disk: the cases found equal the cases listed.
  /// Returns the number of complete cases.
  @discardableResult
  public static func expectComplete(_ listed: [FixtureCase], sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    if let readError { Issue.record("cannot read \(path): \(readError)", sourceLocation: sourceLocation) }
    let found = listed.filter(\.missingFiles.isEmpty)
    #expect(listed.count > 0, "the index lists no case for this test", sourceLocation: sourceLocation)
    #expect(found.count == listed.count, "\(found.count) of \(listed.count) cases are complete", sourceLocation: sourceLocation)
    for c in listed where !c.missingFiles.isEmpty {
      Issue.record("\(c.path) misses \(c.missingFiles.joined(separator: ", "))", sourceLocation: sourceLocation)
    }
    return found.count
  }
}
