import GlassboxSystem
import GlassboxExplainers
import GlassboxModels

extension Explanation {
  /// The first value of this explanation that is NaN or ±∞, named as it is written
  /// (`prediction`, `base value`, `attribution of 'age'`, `standard error of 'age'`), with
  /// the value; nil when every number is finite.
  /// - Complexity: O(features).
  public func firstNonFiniteValue(featureNames: [String]) -> (name: String, value: Double)? {
    func feature(_ j: Int) -> String { j < featureNames.count ? "'\(featureNames[j])'" : "feature \(j)" }
    if !prediction.isFinite { return ("prediction", prediction) }
    if !baseValue.isFinite { return ("base value", baseValue) }
    if let j = attributions.firstIndex(where: { !$0.isFinite }) { return ("attribution of \(feature(j))", attributions[j]) }
    if let errors = standardErrors, let j = errors.firstIndex(where: { !$0.isFinite }) {
      return ("standard error of \(feature(j))", errors[j])
    }
    return nil
  }
}

/// A model or explainer produced NaN or ±∞ for a row: glassbox writes only finite
/// numbers, so the run stops (exit 65) naming the row and the value instead of writing
/// `null`, empty cells or audit records.
public struct NonFiniteResultError: ParameterNamingError, Equatable {
  /// Where the row is: `data.csv:12` (its line) or the `--instance` marker.
  public var place: String
  /// The zero-based data-row index, if the input has rows.
  public var row: Int?
  /// The explained output (class), if the model has several.
  public var output: Int?
  /// Which value (`prediction`, `attribution of 'age'`, ...).
  public var valueName: String
  public var value: Double

  public init(place: String, row: Int?, output: Int?, valueName: String, value: Double) {
    self.place = place
    self.row = row
    self.output = output
    self.valueName = valueName
    self.value = value
  }

  public var kind: FailureKind { .data }

  public var markedMessage: String {
    var text = place
    if let row { text += " (data row \(row))" }
    text += ": the \(valueName)"
    if let output { text += " for output \(output)" }
    return text + " is \(value), not a finite number (the model overflows or is undefined for this input); nothing was written for it"
  }

  /// Throws for the first explanation with a non-finite value.
  /// - Parameter place: where a row is, from its row index.
  public static func check(
    _ explanations: [Explanation], featureNames: [String], place: (Int) -> (place: String, row: Int?)
  ) throws {
    for e in explanations {
      guard let (name, value) = e.firstNonFiniteValue(featureNames: featureNames) else { continue }
      let located = place(e.row)
      throw NonFiniteResultError(place: located.place, row: located.row, output: e.output, valueName: name, value: value)
    }
  }
}

extension Explanation {
  /// The gap |base + Σφ − prediction| when it exceeds `relative` × (max(1, |prediction|,
  /// |base|) + Σ|φ|), the scale `audit verify` judges records by; nil when the values add
  /// up, or when the method does not claim additivity (LIME's surrogate).
  /// - Complexity: O(features).
  public func additivityGap(relative: Double) -> (sum: Double, gap: Double, tolerance: Double)? {
    guard isAdditive else { return nil }
    var sum = baseValue
    var scale = max(1, abs(prediction), abs(baseValue))
    for x in attributions {
      sum += x
      scale += abs(x)
    }
    let gap = abs(sum - prediction)
    let tolerance = relative * scale
    return gap <= tolerance ? nil : (sum, gap, tolerance)
  }
}

/// An explanation whose attributions do not add up to its prediction: the model's values
/// span more than double precision can sum (a leaf of 1e30 beside leaves of 1), so the
/// attributions would be wrong; the run stops (exit 65) naming the row.
public struct AdditivityError: ParameterNamingError, Equatable {
  public var place: String
  public var row: Int?
  public var output: Int?
  public var prediction: Double
  public var sum: Double
  public var gap: Double
  public var tolerance: Double

  public init(place: String, row: Int?, output: Int?, prediction: Double, sum: Double, gap: Double, tolerance: Double) {
    self.place = place
    self.row = row
    self.output = output
    self.prediction = prediction
    self.sum = sum
    self.gap = gap
    self.tolerance = tolerance
  }

  public var kind: FailureKind { .data }

  public var markedMessage: String {
    var text = place
    if let row { text += " (data row \(row))" }
    text += ": the base value plus the attributions"
    if let output { text += " for output \(output)" }
    return text + " is \(sum), not the prediction \(prediction) (gap \(gap), tolerance \(tolerance)); "
      + "the model's values are too far apart in size to be summed exactly in double precision; nothing was written for it"
  }

  /// The relative additivity tolerance of `explainer`'s values for `model`: the model's
  /// rounding (`Model.additivityTolerance`) for exact methods, 1e-6 for sampled ones (their
  /// efficiency constraint holds to solver precision).
  public static func tolerance(explainer: any Explainer, model: any Model) -> Double {
    explainer.isExact ? model.additivityTolerance : 1e-6
  }

  /// Throws for the first explanation whose values do not add up within `relative`.
  public static func check(
    _ explanations: [Explanation], relative: Double?, place: (Int) -> (place: String, row: Int?)
  ) throws {
    guard let relative else { return }
    for e in explanations {
      guard let (sum, gap, tolerance) = e.additivityGap(relative: relative) else { continue }
      let located = place(e.row)
      throw AdditivityError(
        place: located.place, row: located.row, output: e.output, prediction: e.prediction, sum: sum, gap: gap,
        tolerance: tolerance)
    }
  }
}

/// The checks every explanation passes before it is written to any output or audit
/// record: finite numbers (`NonFiniteResultError`), then additivity within `relative`
/// (`AdditivityError`; nil: not checked). One call for the batch and the instance paths.
/// - Complexity: O(explanations × features).
public func checkBeforeWriting(
  _ explanations: [Explanation], featureNames: [String], additivity relative: Double?,
  place: (Int) -> (place: String, row: Int?)
) throws {
  try NonFiniteResultError.check(explanations, featureNames: featureNames, place: place)
  try AdditivityError.check(explanations, relative: relative, place: place)
}
