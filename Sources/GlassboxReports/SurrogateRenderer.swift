import GlassboxExplainers
import GlassboxSystem

/// LIME's local surrogate: selected features with their conditions and weights, the
/// surrogate's intercept, local prediction and score, and its stability.
struct SurrogateRenderer: PayloadRenderer {
  func handles(_ payload: any ExplanationPayload) -> Bool { payload is LocalSurrogate }

  func jsonLine(_ e: Explanation, renderer: JSONLinesRenderer, members: String?) -> String {
    var out = ""
    if let s = e.surrogate { renderer.appendSurrogate(e, s, members: members, to: &out) }
    return out
  }

  func table(_ e: Explanation, renderer: WaterfallRenderer) -> String {
    e.surrogate.map { renderer.renderSurrogate(e, $0) } ?? ""
  }

  func markdown(_ e: Explanation, renderer: MarkdownRenderer) -> String {
    e.surrogate.map { renderer.renderSurrogate(e, $0) } ?? ""
  }
}

extension JSONLinesRenderer {
  /// A local-surrogate (LIME) line: the attributions list holds the selected features only,
  /// each with its `condition` (and `sign_agreement` when stability was measured), and the
  /// object carries `intercept`, `local_prediction`, `score` and, with re-runs,
  /// `stability` {`runs`, `mean_jaccard`, `min_jaccard`, `stable`}.
  func appendSurrogate(_ e: Explanation, _ s: LocalSurrogate, members: String?, to out: inout String) {
    out += "{\"row\":" + String(e.row)
    if let id = e.id { out += ",\"id\":" + TextEscaping.jsonString(id) }
    out += ",\"class\":" + (e.output.map(String.init) ?? "null")
    out += ",\"output\":\"" + e.space.rawValue + "\",\"prediction\":" + NumberFormatting.json(e.prediction)
    out += ",\"base_value\":" + NumberFormatting.json(e.baseValue)
    out += ",\"method\":\"" + context.method + "\",\"attributions\":["
    for (c, j) in s.features.enumerated() {
      if c > 0 { out += "," }
      out += "{\"feature\":" + quotedNames[j] + ",\"value\":"
      switch context.schema.displayValue(e.inputs[j], feature: j) {
      case .missing: out += "null"
      case .label(let l): out += TextEscaping.jsonString(l)
      case .number(let v): out += NumberFormatting.json(v)
      }
      out += ",\"condition\":" + TextEscaping.jsonString(s.conditions[c])
      out += ",\"attribution\":" + NumberFormatting.json(s.weights[c])
      if let se = e.standardErrors, j < se.count { out += ",\"std_error\":" + NumberFormatting.json(se[j]) }
      if let st = s.stability, c < st.signAgreement.count {
        out += ",\"sign_agreement\":" + NumberFormatting.json(st.signAgreement[c])
      }
      out += "}"
    }
    out += "],\"intercept\":" + NumberFormatting.json(s.intercept)
    out += ",\"local_prediction\":" + NumberFormatting.json(s.localPrediction)
    out += ",\"score\":" + NumberFormatting.json(s.score)
    switch s.estimate {
    case .sampled(let evaluations)?:
      out += ",\"estimator\":\"sampled\",\"evaluations\":" + String(evaluations)
    case .exact(let samples, let scoreIsEstimated)?:
      out += ",\"estimator\":\"exact\",\"expected_samples\":" + (samples.map(String.init) ?? "null")
      out += ",\"score_estimated\":" + (scoreIsEstimated ? "true" : "false")
    case .direct(let evaluations)?:
      out += ",\"estimator\":\"direct\",\"evaluations\":" + String(evaluations) + ",\"score_estimated\":true"
    case nil: break
    }
    if let st = s.stability {
      out += ",\"stability\":{\"runs\":" + String(st.runs)
      out += ",\"mean_jaccard\":" + NumberFormatting.json(st.meanJaccard)
      out += ",\"min_jaccard\":" + NumberFormatting.json(st.minJaccard)
      out += ",\"stable\":" + (st.isStable ? "true" : "false") + "}"
    }
    if !e.notes.isEmpty {
      out += ",\"warnings\":[" + e.notes.map { TextEscaping.jsonString($0) }.joined(separator: ",") + "]"
    }
    if let members { out += "," + members }
    out += "}\n"
  }
}

/// Local-surrogate (LIME) reports: the score below which the surrogate is flagged.
let lowSurrogateScore = 0.5

/// The warning shown under a surrogate whose weighted R² is below `lowSurrogateScore`.
func lowScoreWarning(_ score: Double) -> String {
  "warning: low surrogate fit (score \(NumberFormatting.fixed(score, places: 3)) < 0.5): "
    + "the weights describe the model poorly around this row; try other --kernel-width or --features"
}

/// How the surrogate was estimated, for reports: `exact, expected surrogate of a
/// 5000-sample run (score estimated)` or `sampled, 5000 model evaluations`.
func estimateText(_ estimate: SurrogateEstimate) -> String {
  switch estimate {
  case .sampled(let evaluations):
    return "sampled, \(evaluations) model evaluations"
  case .exact(let samples, let scoreIsEstimated):
    let of = samples.map { "of a \($0)-sample run" } ?? "in the infinite-sample limit"
    return "exact, expected surrogate \(of)" + (scoreIsEstimated ? " (score estimated)" : "")
  case .direct(let evaluations):
    return "sampled from the kernel-weighted law, \(evaluations) model evaluations, std errors (score estimated)"
  }
}

/// The stability summary line of a surrogate, when re-runs were asked for.
func stabilityLine(_ st: SurrogateStability, estimate: SurrogateEstimate?) -> String {
  if estimate?.isExact == true {
    return "stability: exact estimator: the result does not depend on the seed (every re-run is identical)"
  }
  return "stability: \(st.runs) re-run\(st.runs == 1 ? "" : "s"), top-K overlap (Jaccard) mean "
    + NumberFormatting.fixed(st.meanJaccard, places: 2) + ", min " + NumberFormatting.fixed(st.minJaccard, places: 2)
    + (st.isStable ? " · stable" : " · UNSTABLE: the selected features or their signs change with the seed")
}

extension WaterfallRenderer {
  /// A LIME report: the model's and the surrogate's predictions, intercept and score, then
  /// one bar per selected condition (length ∝ |weight|, red raises, blue lowers), with the
  /// sign agreement across re-runs when measured.
  func renderSurrogate(_ e: Explanation, _ s: LocalSurrogate) -> String {
    var out = ""
    var title = context.heading(e)
    if let id = e.id { title += " (id \(TerminalSafe.quote(id)))" }
    if let name = context.outputName(e.output) { title += " · \(name)" }
    title += " · \(context.modelName) · LIME surrogate of the "
    title += e.space == .probability ? "probability" : context.transform.marginUnit
    out += style.bold(title) + "\n"
    out += "  model prediction  " + NumberFormatting.fixed(e.prediction, places: 3) + "\n"
    out += "  local prediction  " + NumberFormatting.fixed(s.localPrediction, places: 3)
    out += style.dim("   (intercept + the weights below)") + "\n"
    out += "  intercept         " + NumberFormatting.fixed(s.intercept, places: 3) + "\n"
    out += "  score (R²)        " + NumberFormatting.fixed(s.score, places: 3) + "\n"
    if let estimate = s.estimate { out += "  estimator         " + estimateText(estimate) + "\n" }
    if s.score < lowSurrogateScore { out += "  " + style.paint(lowScoreWarning(s.score), raises: true) + "\n" }
    out += "\n"
    let shown = min(s.features.count, max(1, context.top))
    let agreement = s.stability?.signAgreement
    let texts = (0..<shown).map { c -> String in
      var t = NumberFormatting.signed(s.weights[c], places: 3)
      if let a = agreement, c < a.count { t += "  " + leftPad(NumberFormatting.fixed(a[c] * 100, places: 0) + "%", 4) }
      return t
    }
    let valueWidth = texts.map(\.count).max() ?? 7
    let labelWidth = min(max(s.conditions.prefix(shown).map(\.count).max() ?? 10, 12), max(16, style.width * 2 / 5))
    let barWidth = max(10, style.width - labelWidth - valueWidth - 6)
    let largest = s.weights.prefix(shown).map(abs).max() ?? 0
    for c in 0..<shown {
      let w = s.weights[c]
      let length = largest > 0 ? abs(w) / largest * Double(barWidth) : 0
      let label = s.conditions[c]
      let name = label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + "…" : label
      out += "  " + pad(name, labelWidth) + " " + style.paint(Self.bar(from: 0, to: length, width: barWidth), raises: w >= 0)
      out += " " + style.paint(leftPad(texts[c], valueWidth), raises: w >= 0) + "\n"
    }
    if s.features.count > shown {
      out += style.dim("  \(s.features.count - shown) more condition\(s.features.count - shown == 1 ? "" : "s") (raise --top)") + "\n"
    }
    if let st = s.stability {
      let exact = s.estimate?.isExact == true
      let line = "  " + stabilityLine(st, estimate: s.estimate) + (agreement != nil && !exact ? " (sign agreement after each weight)" : "")
      out += (st.isStable ? style.dim(line) : style.paint(line, raises: true)) + "\n"
    }
    for note in e.notes { out += style.dimWrapped("  note: ", TerminalSafe.escaped(note)) }
    return out
  }
}

extension MarkdownRenderer {
  /// A LIME report in Markdown: a summary line and a condition/weight table.
  func renderSurrogate(_ e: Explanation, _ s: LocalSurrogate) -> String {
    var title = "### " + context.heading(e)
    if let id = e.id { title += " (id \(escape(id)))" }
    if let name = context.outputName(e.output) { title += ", \(name)" }
    var out = title + "\n\n"
    let unit = e.space == .probability ? "probability" : context.transform.marginUnit
    out += "Model prediction **\(NumberFormatting.fixed(e.prediction, places: 4))** (\(unit)); "
    out += "LIME surrogate: local prediction \(NumberFormatting.fixed(s.localPrediction, places: 4)), "
    out += "intercept \(NumberFormatting.fixed(s.intercept, places: 4)), score (R²) \(NumberFormatting.fixed(s.score, places: 4))."
    if let estimate = s.estimate { out += " Estimator: \(estimateText(estimate))." }
    out += "\n\n"
    if s.score < lowSurrogateScore { out += "> " + lowScoreWarning(s.score) + "\n\n" }
    let agreement = s.stability?.signAgreement
    out += agreement == nil ? "| condition | weight |\n|---|---:|\n" : "| condition | weight | sign agreement |\n|---|---:|---:|\n"
    for c in 0..<min(s.features.count, max(1, context.top)) {
      out += "| \(escape(s.conditions[c])) | \(NumberFormatting.signed(s.weights[c], places: 4)) |"
      if let a = agreement, c < a.count { out += " \(NumberFormatting.fixed(a[c] * 100, places: 0))% |" }
      out += "\n"
    }
    if let st = s.stability { out += "\n" + stabilityLine(st, estimate: s.estimate) + "\n" }
    for note in e.notes { out += "\n> " + escape(note) + "\n" }
    return out
  }
}
