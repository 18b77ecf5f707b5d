import GlassboxSystem
import GlassboxExplainers

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
