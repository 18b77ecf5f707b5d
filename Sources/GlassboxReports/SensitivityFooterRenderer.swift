import GlassboxFairness

/// Renders a `SensitivityCheck` as the footer of a per-prediction explanation.
///
/// ```
/// Sensitive features: 23.4% of total |attribution| (sex 18.0%, race 3.1%, age 2.3%)
/// Counterfactual probe (decision: score ≥ 0.5 → 1):
///   sex Male → Female         0.6120 → 0.4310   ✗ decision flips (1 → 0)
///   race White → Black        0.6120 → 0.5900
///   age is numeric: not probed
/// ```
public enum SensitivityFooterRenderer {
  /// Terminal text (ends in a newline; empty when there are no sensitive features).
  public static func table(_ check: SensitivityCheck, threshold: Double, style: TerminalStyle = TerminalStyle()) -> String {
    guard !check.shares.isEmpty else { return "" }
    var out = style.dim("Sensitive features: ") + percent(check.sensitiveShare) + " of total |attribution|"
    out += " (" + check.shares.map { "\($0.name) \(percent($0.share))" }.joined(separator: ", ") + ")\n"
    if !check.counterfactuals.isEmpty {
      out += style.dim("Counterfactual probe (decision: score ≥ \(NumberFormatting.readable(threshold))):") + "\n"
      let width = min(36, check.counterfactuals.map { "\($0.name) \($0.from) → \($0.to)".count }.max() ?? 10)
      for c in check.counterfactuals {
        var line = "  " + pad("\(c.name) \(c.from) → \(c.to)", width) + "  "
        line += NumberFormatting.fixed(check.score, places: 4) + " → " + NumberFormatting.fixed(c.score, places: 4)
        if c.flipped { line += "   " + style.bold("✗ decision flips (\(check.decision) → \(c.decision))") }
        out += line + "\n"
      }
    }
    for note in check.notes { out += "  " + style.dim(note) + "\n" }
    return out
  }

  /// Markdown (a paragraph and a table).
  public static func markdown(_ check: SensitivityCheck, threshold: Double) -> String {
    guard !check.shares.isEmpty else { return "" }
    var out = "**Sensitive features:** \(percent(check.sensitiveShare)) of total |attribution| ("
      + check.shares.map { "\($0.name) \(percent($0.share))" }.joined(separator: ", ") + ")\n"
    if !check.counterfactuals.isEmpty {
      out += "\n| counterfactual | score | decision |\n|---|---:|---|\n"
      for c in check.counterfactuals {
        out += "| \(c.name): \(c.from) → \(c.to) | \(NumberFormatting.fixed(check.score, places: 4)) → \(NumberFormatting.fixed(c.score, places: 4)) | \(c.flipped ? "**flips** (\(check.decision) → \(c.decision))" : "same") |\n"
      }
    }
    for note in check.notes { out += "\n_\(note)_\n" }
    return out
  }

  /// A JSON object (no newline) to embed in an explanation line as `"sensitivity":{...}`:
  /// `{"share":0.23,"features":[{"feature":"sex","share":0.18}],"score":0.61,"decision":1,
  ///   "counterfactuals":[{"feature":"sex","from":"Male","to":"Female","score":0.43,"decision":0,"flipped":true}],
  ///   "any_flip":true,"notes":[...]}`.
  public static func json(_ check: SensitivityCheck) -> String {
    var out = "{\"share\":" + NumberFormatting.json(check.sensitiveShare) + ",\"features\":["
    out += check.shares.map { "{\"feature\":\(TextEscaping.jsonString($0.name)),\"share\":\(NumberFormatting.json($0.share))}" }
      .joined(separator: ",")
    out += "],\"score\":" + NumberFormatting.json(check.score) + ",\"decision\":\(check.decision),\"counterfactuals\":["
    out += check.counterfactuals.map { c in
      "{\"feature\":\(TextEscaping.jsonString(c.name)),\"from\":\(TextEscaping.jsonString(c.from)),\"to\":\(TextEscaping.jsonString(c.to)),\"score\":\(NumberFormatting.json(c.score)),\"decision\":\(c.decision),\"flipped\":\(c.flipped)}"
    }.joined(separator: ",")
    out += "],\"any_flip\":\(check.anyFlip),\"notes\":[" + check.notes.map(TextEscaping.jsonString).joined(separator: ",") + "]}"
    return out
  }

  private static func percent(_ v: Double) -> String { NumberFormatting.fixed(v * 100, places: 1) + "%" }
}
