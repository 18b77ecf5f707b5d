import GlassboxData

#if canImport(Glibc)
  import Glibc
#endif

/// Typed reads shared by the tree loaders, throwing `ModelError.invalid` with a field path.
struct TreeFields {
  let path: String

  func invalid(_ field: String, _ problem: String) -> ModelError {
    .invalid(path: path, field: field, problem: problem)
  }

  /// Most features glassbox names itself (`f0`, `Column_0`, ...) for a model file without
  /// feature names: 10^7 names take about 160 MB; a wider model must name its features.
  static let generatedNameLimit = 10_000_000

  /// `prefix0`, `prefix1`, ... for `count` features declared by `field` in a file that
  /// names none.
  /// - Throws: `ModelError.invalid` beyond `generatedNameLimit`.
  func generatedNames(prefix: String, count: Int, field: String) throws -> [String] {
    guard count <= Self.generatedNameLimit else {
      throw invalid(
        field, "declares \(count) features but the file names none; glassbox names at most "
          + "\(Self.generatedNameLimit) itself (give the model its feature names)")
    }
    return (0..<count).map { prefix + String($0) }
  }

  func object(_ value: JSONValue?, _ field: String) throws -> JSONObject {
    guard let value else { throw invalid(field, "missing (required)") }
    guard let o = value.object else { throw invalid(field, "expected an object, found \(value.typeName)") }
    return o
  }

  func array(_ value: JSONValue?, _ field: String) throws -> [JSONValue] {
    guard let value else { throw invalid(field, "missing (required)") }
    guard let a = value.array else { throw invalid(field, "expected an array, found \(value.typeName)") }
    return a
  }

  func string(_ value: JSONValue?, _ field: String) throws -> String {
    guard let value else { throw invalid(field, "missing (required)") }
    guard let s = value.string else { throw invalid(field, "expected a string, found \(value.typeName)") }
    return s
  }

  /// A number written either as a JSON number or as a decimal string (XGBoost parameters).
  func number(_ value: JSONValue?, _ field: String) throws -> Double {
    guard let value else { throw invalid(field, "missing (required)") }
    if let d = value.number { return d }
    if let s = value.string, let d = Double(s.trimmingSpaces) { return d }
    throw invalid(field, "expected a number, found \(value.typeName)")
  }

  /// An integer in `range`, written as a number or a decimal string.
  func integer(_ value: JSONValue?, _ field: String, in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int {
    let d = try number(value, field)
    guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
      throw invalid(field, "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(d)")
    }
    return Int(d)
  }

  func numbers(_ value: JSONValue?, _ field: String) throws -> [Double] {
    if case .numbers(let d) = value { return d }
    let a = try array(value, field)
    var out: [Double] = []
    out.reserveCapacity(a.count)
    for (i, v) in a.enumerated() {
      guard let d = v.number else { throw invalid("\(field)[\(i)]", "expected a number, found \(v.typeName)") }
      out.append(d)
    }
    return out
  }

  func integers(_ value: JSONValue?, _ field: String, in range: ClosedRange<Int>) throws -> [Int] {
    if case .numbers(let d) = value {
      var out: [Int] = []
      out.reserveCapacity(d.count)
      for (i, x) in d.enumerated() {
        guard x == x.rounded(), x >= Double(range.lowerBound), x <= Double(range.upperBound)
        else { throw invalid("\(field)[\(i)]", "expected an integer in \(range.lowerBound)...\(range.upperBound)") }
        out.append(Int(x))
      }
      return out
    }
    let a = try array(value, field)
    var out: [Int] = []
    out.reserveCapacity(a.count)
    for (i, v) in a.enumerated() {
      guard let d = v.number, d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound)
      else { throw invalid("\(field)[\(i)]", "expected an integer in \(range.lowerBound)...\(range.upperBound)") }
      out.append(Int(d))
    }
    return out
  }

  /// Booleans written as true/false or 0/1.
  func flags(_ value: JSONValue?, _ field: String) throws -> [Bool] {
    let a = try array(value, field)
    var out: [Bool] = []
    out.reserveCapacity(a.count)
    for (i, v) in a.enumerated() {
      if let b = v.bool {
        out.append(b)
      } else if let d = v.number, d == 0 || d == 1 {
        out.append(d == 1)
      } else {
        throw invalid("\(field)[\(i)]", "expected a boolean or 0/1, found \(v.typeName)")
      }
    }
    return out
  }

  func strings(_ value: JSONValue?, _ field: String) throws -> [String] {
    let a = try array(value, field)
    var out: [String] = []
    for (i, v) in a.enumerated() {
      guard let s = v.string else { throw invalid("\(field)[\(i)]", "expected a string, found \(v.typeName)") }
      out.append(s)
    }
    return out
  }

  /// Checks that feature names are unique.
  func checkNames(_ names: [String], _ field: String) throws {
    var seen = Set<String>()
    for n in names where !seen.insert(n).inserted {
      throw invalid(field, "the feature name '\(n)' appears twice")
    }
  }
}

extension String {
  var trimmingSpaces: Substring {
    var s = Substring(self)
    while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeFirst() }
    while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeLast() }
    return s
  }
}

@inline(__always) func logf32(_ x: Float) -> Float { Glibc.logf(x) }
@inline(__always) func log64(_ x: Double) -> Double { Glibc.log(x) }
