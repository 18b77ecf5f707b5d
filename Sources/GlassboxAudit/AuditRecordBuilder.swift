import GlassboxData
import GlassboxExplainers

/// Turns explanations into the bodies of audit records, members in a fixed order.
///
/// A body is everything after the chain fields (`schema`, `seq`, `prev_hash`), which
/// only the appender knows under its file lock. What every record of a run shares (tool,
/// model, data source, explainer) is serialized once. The layout is documented in
/// `docs/audit-log.md`.
///
/// Privacy: the value of a feature the card marks `sensitive` is never written; it is
/// omitted, or replaced by its keyed hash when a `Redactor` is given.
public struct AuditRecordBuilder: Sendable {
  /// The number of reason codes kept (Regulation B: more than four "is not likely to be helpful").
  public static let maximumReasons = 4

  public let context: AuditContext
  /// This builder's writer id: 16 random hex digits in every record it builds, so that
  /// `verify` can check each writer's records never go back in time.
  public let writer: String
  private let redactor: Redactor?
  private let sharedHead: [UInt8]
  private let sharedExplainer: [UInt8]
  private let redaction: [UInt8]
  private let featureKeys: [[UInt8]]
  private let sensitive: [Bool]
  /// The `records` cells every record of this builder shares (model, data, explainer),
  /// when `records` also builds query-table rows; nil otherwise.
  let sharedCells: AuditTableRows.SharedCells?

  /// - Parameter tableRows: whether `records` also builds each record's query-table rows
  ///   (for a store that keeps them, `DerivedTablesStore`).
  public init(context: AuditContext, redactor: Redactor?, tableRows: Bool = false) {
    self.context = context
    self.redactor = redactor
    var generator = SystemRandomNumberGenerator()
    let writerBits: UInt64 = generator.next()
    writer = AuditSchema.hex((0..<8).map { UInt8(truncatingIfNeeded: writerBits >> (56 - 8 * $0)) })
    let schema = context.schema
    featureKeys = schema.names.map { JSONLineWriter.encoded($0) + [UInt8(ascii: ":")] }
    sensitive = schema.features.map(\.sensitive)

    var head = JSONLineWriter(continuing: [], needsComma: true)
    Self.writeShared(context, into: &head)
    sharedHead = head.bytes

    var explainer = JSONLineWriter(continuing: [], needsComma: true)
    Self.writeExplainer(context.explainer, into: &explainer)
    sharedExplainer = explainer.bytes

    var r = JSONLineWriter(continuing: [], needsComma: true)
    r.key("redaction")
    r.beginObject()
    r.key("method")
    r.string(redactor == nil ? "omit" : "hmac-sha256")
    if let redactor {
      r.key("key_id")
      r.string(redactor.keyID)
    }
    r.key("fields")
    r.beginArray()
    for (j, name) in schema.names.enumerated() where schema.features[j].sensitive { r.string(name) }
    r.endArray()
    r.endObject()
    redaction = r.bytes
    sharedCells = tableRows ? AuditTableRows.SharedCells(sharedHead: sharedHead, sharedExplainer: sharedExplainer) : nil
  }

  private static func writeShared(_ c: AuditContext, into w: inout JSONLineWriter) {
    w.key("tool")
    w.beginObject()
    w.key("name")
    w.string(c.tool.name)
    w.key("version")
    w.string(c.tool.version)
    w.key("build")
    w.string(c.tool.build)
    w.key("binary_sha256")
    w.optionalString(c.tool.binarySHA256)
    w.endObject()
    w.key("model")
    w.beginObject()
    w.key("path")
    w.string(c.model.path)
    w.key("sha256")
    // A remote model has a hash only when its command runs a script file.
    if c.remote != nil && c.model.sha256.isEmpty { w.null() } else { w.string(c.model.sha256) }
    w.key("format")
    w.string(c.modelFormat)
    w.key("objective")
    w.string(c.objective)
    w.key("card")
    writeFile(c.card, into: &w)
    if let remote = c.remote {
      w.key("remote")
      remote.write(into: &w)
    }
    w.endObject()
    w.key("data")
    w.beginObject()
    w.key("source")
    switch c.data {
    case .file(let file):
      w.string("file")
      w.key("path")
      w.string(file.path)
      w.key("sha256")
      w.string(file.sha256)
    case .standardInput:
      w.string("stdin")
    case .stream(let path, let sha256):
      if path == "-" {
        w.string("stdin")
      } else {
        w.string("stream")
        w.key("path")
        w.string(path)
      }
      w.key("sha256")
      w.string(sha256)
    case .instance:
      w.string("instance")
    }
    w.key("id_column")
    w.optionalString(c.idColumn)
    w.endObject()
  }

  private static func writeExplainer(_ e: ExplainerSettings, into w: inout JSONLineWriter) {
    w.key("explainer")
    w.beginObject()
    w.key("method")
    w.string(e.method)
    w.key("requested")
    w.string(e.requestedMethod)
    w.key("exact")
    w.bool(e.exact)
    w.key("seed")
    // Above 2^53 a JSON number loses digits in most readers: write such seeds as text.
    if e.seed <= 1 << 53 { w.int(Int(e.seed)) } else { w.string(String(e.seed)) }
    w.key("threads")
    w.int(e.threads)
    w.key("output_space")
    w.string(e.outputSpace)
    w.key("background")
    writeFile(e.background, into: &w)
    w.key("blas")
    w.optionalString(e.blas)
    w.key("additivity_tolerance")
    w.number(e.additivityTolerance)
    w.key("parameters")
    w.beginObject()
    for name in e.parameters.keys.sorted() {
      w.key(name)
      w.value(e.parameters[name] ?? .null)
    }
    w.endObject()
    w.endObject()
  }

  static func writeFile(_ file: FileReference?, into w: inout JSONLineWriter) {
    guard let file else { return w.null() }
    w.beginObject()
    w.key("path")
    w.string(file.path)
    w.key("sha256")
    w.string(file.sha256)
    w.endObject()
  }

  /// The bodies of the records of `explanations`, stamped with one time. Pure apart
  /// from the clock and one draw of system randomness, so blocks can be built on any thread.
  /// - Complexity: O(records × features).
  public func bodies(_ explanations: [Explanation], milliseconds: Int64 = AuditClock.nowMilliseconds()) -> [[UInt8]] {
    records(explanations, milliseconds: milliseconds).map(\.body)
  }

  /// The records of `explanations`, stamped with one time: each body, with its query-table
  /// rows when this builder was made with `tableRows` (else nil). Pure apart from the clock
  /// and one draw of system randomness, so blocks can be built on any thread.
  /// - Complexity: O(records × features).
  public func records(_ explanations: [Explanation], milliseconds: Int64 = AuditClock.nowMilliseconds()) -> [AuditRecordBody] {
    var generator = SystemRandomNumberGenerator()
    var state: UInt64 = generator.next()
    let time = AuditClock.iso8601(milliseconds: milliseconds)
    return explanations.map { e in
      // SplitMix64 steps from a random start: unique record ids without a system call each.
      state &+= 0x9E37_79B9_7F4A_7C15
      return record(e, milliseconds: milliseconds, time: time, random: (Self.mix(state), Self.mix(state ^ 0xD1B5_4A32_D192_ED03)))
    }
  }

  private static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The body of the record of `e`: `"type":"explanation",...}` (no opening brace;
  /// the appender writes the chain fields before it).
  /// - Complexity: O(features).
  public func body(_ e: Explanation, milliseconds: Int64 = AuditClock.nowMilliseconds()) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return record(
      e, milliseconds: milliseconds, time: AuditClock.iso8601(milliseconds: milliseconds),
      random: (generator.next(), generator.next())
    ).body
  }

  private func record(_ e: Explanation, milliseconds: Int64, time: String, random: (UInt64, UInt64)) -> AuditRecordBody {
    var w = JSONLineWriter(capacity: 1024 + 96 * featureKeys.count)
    w.key("type")
    w.string("explanation")
    w.key("record_id")
    var id: [UInt8] = [UInt8(ascii: "\"")]
    AuditClock.appendUUIDv7(milliseconds: milliseconds, random: random, to: &id)
    id.append(UInt8(ascii: "\""))
    w.raw(id)
    w.key("writer")
    w.string(writer)
    w.key("time")
    w.string(time)
    // The shared fragments were written after a member, so each opens with its comma.
    w.append(fragment: sharedHead)
    w.key("row")
    w.int(e.row)
    w.key("id")
    w.optionalString(e.id)
    w.key("output")
    if let output = e.output { w.int(output) } else { w.null() }
    let hmacs = writeInputs(e.inputs, into: &w)
    w.append(fragment: redaction)
    w.key("prediction")
    w.beginObject()
    w.key("space")
    w.string(e.space.rawValue)
    w.key("value")
    w.number(e.prediction)
    w.endObject()
    w.append(fragment: sharedExplainer)
    writeAttribution(e, into: &w)
    w.key("warnings")
    w.beginArray()
    for note in e.notes { w.string(note) }
    w.endArray()
    context.modelCalls?().write(into: &w)
    w.endObject()
    guard let sharedCells else { return AuditRecordBody(body: w.bytes, tableRows: nil) }
    let recordID = String(decoding: id.dropFirst().dropLast(), as: UTF8.self)
    let rows = AuditTableRows(
      e, shared: sharedCells, recordID: recordID, writer: writer, time: time, names: context.schema.names,
      inputs: inputCells(e.inputs, hmacs: hmacs))
    return AuditRecordBody(body: w.bytes, tableRows: rows)
  }

  /// The `value` and `label` cells of `attributions` for each input, as the record's
  /// `input` member spells them (`hmacs`: the keyed hashes written for sensitive values).
  private func inputCells(_ inputs: [Double], hmacs: [String?]) -> [(value: TableValue, label: TableValue)] {
    let schema = context.schema
    return (0..<min(inputs.count, featureKeys.count)).map { j in
      if sensitive[j] { return (.null, .text(or: j < hmacs.count ? hmacs[j].map { "hmac:" + $0 } : nil)) }
      switch schema.displayValue(inputs[j], feature: j) {
      case .missing: return (.null, .null)
      case .label(let label): return (.null, .text(label))
      case .number(let x): return (AuditTableRows.cell(x), .null)
      }
    }
  }

  /// Writes the `input` member; returns the keyed hashes of sensitive values by feature
  /// (empty without a redactor).
  private func writeInputs(_ inputs: [Double], into w: inout JSONLineWriter) -> [String?] {
    let schema = context.schema
    var hmacs: [String?] = []
    w.key("input")
    w.beginObject()
    for j in 0..<min(inputs.count, featureKeys.count) {
      let shown = schema.displayValue(inputs[j], feature: j)
      if sensitive[j] {
        guard let redactor else { continue }
        let hmac = redactor.hash(feature: schema.names[j], value: Self.text(of: shown))
        if sharedCells != nil {
          while hmacs.count < j { hmacs.append(nil) }
          hmacs.append(hmac)
        }
        w.key(escaped: featureKeys[j])
        w.beginObject()
        w.key("hmac")
        w.string(hmac)
        w.endObject()
        continue
      }
      w.key(escaped: featureKeys[j])
      switch shown {
      case .missing: w.null()
      case .label(let label): w.string(label)
      case .number(let x): w.number(x)
      }
    }
    w.endObject()
    return hmacs
  }

  /// The text a sensitive value is hashed from: its label, its number, or `null`.
  static func text(of value: DisplayValue) -> String {
    switch value {
    case .missing: return "null"
    case .label(let label): return label
    case .number(let x):
      var bytes: [UInt8] = []
      JSONLineWriter.appendNumber(x, to: &bytes)
      return String(decoding: bytes, as: UTF8.self)
    }
  }

  private func writeAttribution(_ e: Explanation, into w: inout JSONLineWriter) {
    w.key("attribution")
    w.beginObject()
    w.key("base")
    w.number(e.baseValue)
    w.key("phi")
    w.beginObject()
    for j in 0..<min(e.attributions.count, featureKeys.count) {
      w.key(escaped: featureKeys[j])
      w.number(e.attributions[j])
    }
    w.endObject()
    w.key("standard_errors")
    if let errors = e.standardErrors {
      w.beginArray()
      for s in errors { w.number(s) }
      w.endArray()
    } else {
      w.null()
    }
    w.key("additive")
    w.bool(e.isAdditive)
    w.endObject()
    w.key("reasons")
    w.beginArray()
    for (rank, j) in Self.reasonCodes(e.attributions).enumerated() {
      w.beginObject()
      w.key("rank")
      w.int(rank + 1)
      w.key("feature")
      w.string(context.schema.names[j])
      w.key("phi")
      w.number(e.attributions[j])
      w.endObject()
    }
    w.endArray()
  }

  /// The features that lowered the output most: negative attributions, most negative
  /// first (ties by feature order), at most `maximumReasons`.
  /// - Complexity: O(features × maximumReasons).
  public static func reasonCodes(_ attributions: [Double]) -> [Int] {
    var chosen: [Int] = []
    while chosen.count < maximumReasons {
      var best: Int? = nil
      for (j, phi) in attributions.enumerated() where phi < 0 && !chosen.contains(j) {
        if let b = best, attributions[b] <= phi { continue }
        best = j
      }
      guard let best else { break }
      chosen.append(best)
    }
    return chosen
  }
}
