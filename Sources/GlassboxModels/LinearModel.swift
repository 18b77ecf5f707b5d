import GlassboxData

/// A linear model: `margin_k = intercept_k + Σ_j w_kj · x_j`, with an identity, logit
/// or softmax link (format documented in docs/linear-model.md).
///
/// Missing inputs (NaN) take the imputation value of their feature (the training mean
/// stored in the model, or the explainer's background mean), so they contribute exactly
/// the mean's share. Without a stored mean a NaN input gives a NaN margin.
public struct LinearModel: Model, Equatable {
  public let featureNames: [String]
  /// Coefficients, one row per output: `coefficients[k][j]`.
  public let coefficients: [[Double]]
  /// One intercept per output.
  public let intercepts: [Double]
  public let transform: OutputTransform
  /// Training means of the features, if stored.
  public let means: [Double]?
  public let classNames: [String]?
  /// Margins summed in float32 as XGBoost's gblinear does: `intercept`, then each
  /// non-missing `w·x` (float32 product) in feature order. False: double arithmetic.
  public internal(set) var float32Sums = false
  /// Library, version and boosting type when the model came from a library's file.
  public internal(set) var provenance: ModelProvenance? = nil
  /// The training objective when the model came from a library's file.
  public internal(set) var objective: String? = nil

  /// A validated linear model.
  /// - Precondition: shapes agree (the loader checks files and throws instead).
  public init(
    featureNames: [String], coefficients: [[Double]], intercepts: [Double],
    transform: OutputTransform, means: [Double]? = nil, classNames: [String]? = nil
  ) {
    precondition(coefficients.count == intercepts.count && coefficients.allSatisfy { $0.count == featureNames.count })
    self.featureNames = featureNames
    self.coefficients = coefficients
    self.intercepts = intercepts
    self.transform = transform
    self.means = means
    self.classNames = classNames
  }

  public var outputCount: Int { intercepts.count }

  /// 1e-5 for float32 sums (XGBoost gblinear), 1e-9 in double.
  public var additivityTolerance: Double { float32Sums ? 1e-5 : 1e-9 }

  public var summary: String {
    (provenance.map { "\($0.libraryText) \($0.boosting ?? "") " } ?? "") + "linear, \(featureNames.count) features, \(outputCount) output\(outputCount == 1 ? "" : "s"), \(transform.linkName) link"
  }

  /// - Complexity: O(count · features · outputs).
  public func predictMargins(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    checkMarginBuffers(rows, count: count, into: out)
    let m = featureNames.count
    let k = outputCount
    if float32Sums { return predictFloat32(rows, count: count, into: out) }
    for r in 0..<count {
      let base = r * m
      for c in 0..<k {
        var sum = intercepts[c]
        let w = coefficients[c]
        for j in 0..<m {
          var x = rows[base + j]
          if x.isNaN { x = means?[j] ?? .nan }
          sum += w[j] * x
        }
        out[r * k + c] = sum
      }
    }
  }

  /// XGBoost gblinear's arithmetic: float32 sums, missing inputs skipped.
  private func predictFloat32(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    let m = featureNames.count
    let k = outputCount
    for r in 0..<count {
      for c in 0..<k {
        var sum = Float(intercepts[c])
        let w = coefficients[c]
        for j in 0..<m {
          let x = Float(rows[r * m + j])
          if !x.isNaN { sum += x * Float(w[j]) }
        }
        out[r * k + c] = Double(sum)
      }
    }
  }

  /// Loads the glassbox-linear JSON format.
  /// - Throws: `DataError` for malformed JSON, `ModelError` for inconsistent content.
  public static func load(_ document: JSONValue, path: String) throws -> LinearModel {
    let f = JSONFields(path: path)
    let root = try f.object(document, "model")
    let version = try f.optionalNumber(root, "version") ?? 1
    guard version == 1 else { throw ModelError.unsupported(path: path, what: "glassbox-linear version \(version)") }
    let features = try f.strings(f.array(root, "features"), "features")
    guard !features.isEmpty else { throw ModelError.invalid(path: path, field: "features", problem: "no features") }
    if let duplicate = firstDuplicate(features) {
      throw ModelError.invalid(path: path, field: "features", problem: "'\(duplicate)' appears twice")
    }
    let linkName = try f.optionalString(root, "link") ?? "identity"
    let transform: OutputTransform
    switch linkName {
    case "identity": transform = .identity
    case "logit": transform = .logistic
    case "softmax": transform = .softmax
    case "log": transform = .exponential
    default:
      throw ModelError.invalid(path: path, field: "link", problem: "expected identity, logit, softmax or log, found '\(linkName)'")
    }
    let coefficientValues = try f.array(root, "coefficients")
    var coefficients: [[Double]]
    if coefficientValues.first?.array != nil {
      coefficients = []
      for (k, row) in coefficientValues.enumerated() {
        coefficients.append(try f.numbers(row.array ?? [row], "coefficients[\(k)]"))
      }
    } else {
      coefficients = [try f.numbers(coefficientValues, "coefficients")]
    }
    var intercepts: [Double]
    let interceptValue = try f.member(root, "intercept", in: "")
    if let list = interceptValue.array {
      intercepts = try f.numbers(list, "intercept")
    } else if let single = interceptValue.number {
      intercepts = [single]
    } else {
      throw ModelError.invalid(path: path, field: "intercept", problem: "expected a number or an array of numbers")
    }
    guard intercepts.count == coefficients.count else {
      throw ModelError.invalid(
        path: path, field: "intercept",
        problem: "\(intercepts.count) intercepts for \(coefficients.count) coefficient rows")
    }
    for (k, row) in coefficients.enumerated() where row.count != features.count {
      throw ModelError.invalid(
        path: path, field: coefficients.count == 1 ? "coefficients" : "coefficients[\(k)]",
        problem: "\(row.count) coefficients for \(features.count) features")
    }
    if transform == .softmax && coefficients.count < 2 {
      throw ModelError.invalid(path: path, field: "link", problem: "softmax needs one coefficient row per class (at least 2)")
    }
    if transform != .softmax && coefficients.count != 1 {
      throw ModelError.invalid(path: path, field: "coefficients", problem: "several coefficient rows need the softmax link")
    }
    for (k, row) in coefficients.enumerated() {
      if let j = row.firstIndex(where: { !Self.isWithinBound($0) }) {
        throw ModelError.invalid(
          path: path, field: coefficients.count == 1 ? "coefficients[\(j)]" : "coefficients[\(k)][\(j)]",
          problem: Self.boundProblem(row[j]))
      }
    }
    if let k = intercepts.firstIndex(where: { !Self.isWithinBound($0) }) {
      throw ModelError.invalid(
        path: path, field: intercepts.count == 1 ? "intercept" : "intercept[\(k)]", problem: Self.boundProblem(intercepts[k]))
    }
    var means: [Double]? = nil
    if let meanValues = root["means"], !meanValues.isNull {
      let parsed = try f.numbers(meanValues.array ?? [], "means")
      guard parsed.count == features.count else {
        throw ModelError.invalid(path: path, field: "means", problem: "\(parsed.count) means for \(features.count) features")
      }
      if let j = parsed.firstIndex(where: { !Self.isWithinBound($0) }) {
        throw ModelError.invalid(path: path, field: "means[\(j)]", problem: Self.boundProblem(parsed[j]))
      }
      means = parsed
    }
    var classes: [String]? = nil
    if let classValues = root["classes"], !classValues.isNull {
      classes = try f.strings(classValues.array ?? [], "classes")
      let expected = transform == .softmax ? coefficients.count : 2
      if transform == .softmax || transform == .logistic, classes!.count != expected {
        throw ModelError.invalid(path: path, field: "classes", problem: "\(classes!.count) class names, expected \(expected)")
      }
    }
    return LinearModel(
      featureNames: features, coefficients: coefficients, intercepts: intercepts, transform: transform,
      means: means, classNames: classes)
  }
}

extension LinearModel {
  /// The largest |coefficient|, |intercept| and |mean| accepted: 1e300, so that no stored
  /// parameter is itself near double's 1.8e308. Margins can still overflow for extreme
  /// inputs; the explain pipeline refuses non-finite results row by row.
  public static let parameterBound = 1e300

  static func isWithinBound(_ value: Double) -> Bool { value.isFinite && abs(value) <= parameterBound }

  static func boundProblem(_ value: Double) -> String {
    "\(value) is not a finite number within ±\(parameterBound)"
  }
}

func firstDuplicate(_ names: [String]) -> String? {
  var seen = Set<String>()
  for n in names where !seen.insert(n).inserted { return n }
  return nil
}

extension LinearModel: DescribableModel {
  public var facts: [(key: String, value: String)] {
    var list: [(key: String, value: String)] = [
      ("kind", "linear"),
      ("link", transform.linkName),
      ("outputs", String(outputCount)),
      ("coefficients", String(coefficients.count * featureNames.count + intercepts.count)),
      ("stored means", means == nil ? "no (explanations need --background)" : "yes"),
    ]
    if let classNames { list.append(("classes", classNames.joined(separator: ", "))) }
    if let provenance {
      list.append(("library", provenance.libraryText))
      if let objective { list.append(("objective", objective)) }
      if let boosting = provenance.boosting { list.append(("boosting", boosting)) }
      list.append(("arithmetic", "float32 sums, a missing input adds nothing"))
    }
    return list
  }
}
