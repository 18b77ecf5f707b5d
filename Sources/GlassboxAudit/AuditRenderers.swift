import GlassboxData
import GlassboxSystem

/// Which records `show` and `export` keep.
public struct AuditFilter: Sendable {
  /// Seqs to keep (inclusive), nil for all.
  public var seqs: ClosedRange<Int>?
  /// Keep records at or after this UTC time or time prefix (`2026-09-01`, `2026-09-01T10`).
  public var since: String?
  /// Keep records up to this time or time prefix, inclusive.
  public var until: String?
  /// Keep records whose model path contains this text or whose SHA-256 starts with it.
  public var model: String?

  public init(seqs: ClosedRange<Int>? = nil, since: String? = nil, until: String? = nil, model: String? = nil) {
    self.seqs = seqs
    self.since = since
    self.until = until
    self.model = model
  }

  /// The records of `all` (a whole log, in seq order) this filter keeps.
  /// - Throws: `AuditError.invalidFilter` when `seqs` lies wholly outside the log's seqs
  ///   (a seq the log does not have is a mistake, not an empty answer).
  public func apply(to all: [RecordedExplanation], log: String) throws(AuditError) -> [RecordedExplanation] {
    if let seqs, let first = all.first?.seq, let last = all.last?.seq, seqs.lowerBound > last || seqs.upperBound < first {
      throw .invalidFilter(problem: "'\(log)' has records \(first)-\(last); --seq \(seqs.lowerBound == seqs.upperBound ? String(seqs.lowerBound) : "\(seqs.lowerBound)-\(seqs.upperBound)") matches none of them")
    }
    if seqs != nil, all.isEmpty { throw .invalidFilter(problem: "'\(log)' has no records; --seq matches none") }
    return all.filter(matches)
  }

  /// Why nothing matched, for the note printed when a filter keeps no record.
  public func describeEmpty(_ log: String, total: Int) -> String {
    var parts: [String] = []
    if let since { parts.append("--since \(since)") }
    if let until { parts.append("--until \(until)") }
    if let model { parts.append("--model \(model)") }
    if let seqs { parts.append("--seq \(seqs.lowerBound)-\(seqs.upperBound)") }
    return total == 0
      ? "'\(log)' has no records"
      : "none of the \(total) records of '\(log)' matches \(parts.joined(separator: " "))"
  }

  public func matches(_ r: RecordedExplanation) -> Bool {
    if let seqs, !seqs.contains(r.seq) { return false }
    if let since, r.time < since { return false }
    if let until, r.time.prefix(until.count) > until { return false }
    if let model, !r.model.path.contains(model), !r.model.sha256.hasPrefix(model.lowercased()) { return false }
    return true
  }
}

/// Text renderings of audit records: pure functions, the CLI prints them.
public enum AuditRenderers {
  /// A table for people: one line per record.
  /// - Complexity: O(records × features).
  public static func table(_ records: [RecordedExplanation]) -> String {
    let header = ["seq", "time (UTC)", "model", "row", "id", "prediction", "base", "reasons (lowering the output most)"]
    var rows: [[String]] = []
    for r in records {
      let model = (r.model.path.split(separator: "/").last.map(String.init) ?? r.model.path) + " " + r.model.sha256.prefix(8)
      rows.append([
        String(r.seq), String(r.time.prefix(23)).replacingT(), model, String(r.row), r.id ?? "",
        readable(r.prediction), readable(r.baseValue), r.reasons.joined(separator: ", "),
      ])
    }
    var widths = header.map(\.count)
    for row in rows { for (k, cell) in row.enumerated() { widths[k] = max(widths[k], cell.count) } }
    func line(_ cells: [String]) -> String {
      var text = ""
      for (k, cell) in cells.enumerated() {
        let numeric = k == 0 || k == 3 || k == 5 || k == 6
        let pad = String(repeating: " ", count: widths[k] - cell.count)
        text += (k == 0 ? "" : "  ") + (numeric ? pad + cell : (k == cells.count - 1 ? cell : cell + pad))
      }
      return text + "\n"
    }
    var out = line(header)
    for row in rows { out += line(row) }
    out += "\(records.count) record(s)\n"
    return out
  }

  /// What `table` shows, as one JSON document: `{"records":[{"seq":7,"record_id":"…",
  /// "time":"…","model":{"path":"…","sha256":"…"},"method":"tree","row":6,"id":null,
  /// "output":null,"prediction":-6.19,"base_value":-2.12,"reasons":["education-num",…]}],
  /// "count":1}`, one record per line; numbers in their shortest exact form.
  /// - Complexity: O(records · reasons).
  public static func showJSON(_ records: [RecordedExplanation]) -> String {
    func string(_ s: String) -> String { JSONSpelling.string(s) }
    let lines = records.map { r in
      "{\"seq\":\(r.seq),\"record_id\":" + string(r.recordID) + ",\"time\":" + string(r.time)
        + ",\"model\":{\"path\":" + string(r.model.path) + ",\"sha256\":" + string(r.model.sha256) + "}"
        + ",\"method\":" + string(r.method) + ",\"row\":\(r.row),\"id\":" + (r.id.map(string) ?? "null")
        + ",\"output\":" + (r.output.map(String.init) ?? "null")
        + ",\"prediction\":" + JSONSpelling.number(r.prediction) + ",\"base_value\":" + JSONSpelling.number(r.baseValue)
        + ",\"reasons\":[" + r.reasons.map(string).joined(separator: ",") + "]}"
    }
    return "{\"records\":[" + (lines.isEmpty ? "" : "\n" + lines.joined(separator: ",\n") + "\n") + "],\"count\":\(records.count)}\n"
  }

  /// The CSV header of `csv`.
  public static let csvHeader =
    "seq,record_id,time,model_path,model_sha256,method,row,id,output,prediction,base_value,feature,value,phi,reason_rank\n"

  /// Long-format CSV: one line per record and feature, for a warehouse table. Redacted
  /// values are empty, or `hmac:<hex>` when they were hashed.
  /// - Complexity: O(records × features).
  public static func csv(_ records: [RecordedExplanation]) -> String {
    var out = ""
    for r in records {
      let prefix = [
        String(r.seq), r.recordID, r.time, csvCell(r.model.path), r.model.sha256, csvCell(r.method), String(r.row),
        csvCell(r.id ?? ""), r.output.map(String.init) ?? "", number(r.prediction), number(r.baseValue),
      ].joined(separator: ",")
      for (feature, phi) in r.attributions {
        let rank = r.reasons.firstIndex(of: feature).map { String($0 + 1) } ?? ""
        out += prefix + "," + csvCell(feature) + "," + csvCell(valueText(r.inputs[feature])) + "," + number(phi) + "," + rank + "\n"
      }
    }
    return out
  }

  /// JSON Lines: one object per record with its attribution table.
  /// - Complexity: O(records × features).
  public static func jsonLines(_ records: [RecordedExplanation]) -> String {
    var out: [UInt8] = []
    for r in records {
      var w = JSONLineWriter()
      w.beginObject()
      w.key("seq")
      w.int(r.seq)
      w.key("record_id")
      w.string(r.recordID)
      w.key("time")
      w.string(r.time)
      w.key("model_path")
      w.string(r.model.path)
      w.key("model_sha256")
      w.string(r.model.sha256)
      w.key("method")
      w.string(r.method)
      w.key("row")
      w.int(r.row)
      w.key("id")
      w.optionalString(r.id)
      w.key("output")
      if let o = r.output { w.int(o) } else { w.null() }
      w.key("prediction")
      w.number(r.prediction)
      w.key("base_value")
      w.number(r.baseValue)
      w.key("attributions")
      w.beginArray()
      for (feature, phi) in r.attributions {
        w.beginObject()
        w.key("feature")
        w.string(feature)
        w.key("value")
        w.value(r.inputs[feature] ?? .null)
        w.key("phi")
        w.number(phi)
        w.endObject()
      }
      w.endArray()
      w.key("reasons")
      w.value(.array(r.reasons.map { .string($0) }))
      w.endObject()
      out += w.bytes
      out.append(UInt8(ascii: "\n"))
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func valueText(_ value: JSONValue?) -> String {
    switch value {
    case .none, .null?: return ""
    case .number(let x)?: return number(x)
    case .string(let s)?: return s
    case .object(let o)?: return o["hmac"]?.string.map { "hmac:" + $0 } ?? ""
    default: return ""
    }
  }

  /// The JSON spelling of `x`; empty when not finite.
  private static func number(_ x: Double) -> String {
    x.isFinite ? JSONSpelling.number(x) : ""
  }

  /// About four significant digits, for the table.
  static func readable(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
    if x == x.rounded(), abs(x) < 1e12 { return String(Int64(x)) }
    var magnitude = 0
    var a = abs(x)
    while a >= 10 { a /= 10; magnitude += 1 }
    while a < 1 { a *= 10; magnitude -= 1 }
    let places = max(0, min(12, 3 - magnitude))
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let rounded = (x * scale).rounded() / scale
    var text = String(rounded)
    if text.contains("e") { return text }
    if let dot = text.firstIndex(of: ".") {
      let decimals = text.distance(from: dot, to: text.endIndex) - 1
      if decimals > places { text = String(text.prefix(text.count - (decimals - places))) }
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text
  }

  private static func csvCell(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacing("\"", with: "\"\"") + "\""
  }
}

extension String {
  /// `2026-09-01T10:15:02.113` → `2026-09-01 10:15:02.113`.
  fileprivate func replacingT() -> String {
    String(map { $0 == "T" ? " " : $0 })
  }
}
