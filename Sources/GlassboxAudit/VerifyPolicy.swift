import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// What `verify` demands of a log beyond what the log says about itself.
///
/// A log can be emptied, cut back, or rewritten whole with its chain and roots recomputed;
/// only something kept outside it tells. Each member is one such outside fact:
/// - `publicKey`: the log must be sealed by that key: at least one valid checkpoint, and
///   no record after the last one (unless `allowUnsealedTail`). An empty log fails.
/// - `external`, `witnesses`, `head`, `expectAtLeast`: what the log held earlier (a
///   checkpoint line, witnessed heads, a line hash, a record count) must still be there.
/// - `sensitiveFeatures`: the model card's sensitive features, which no record may store
///   in clear (without a card, each record's own `redaction.fields` is used).
///
/// Record content is always judged by policy, never by the record: the additivity
/// tolerance comes from the model format and the explanation method (`RecordContentPolicy`).
public struct VerifyPolicy: Sendable {
  public var publicKey: AuditPublicKey?
  /// A checkpoint kept outside the log.
  public var external: Checkpoint?
  /// With `publicKey`: accept records after the last checkpoint, reporting them unsealed.
  public var allowUnsealedTail = false
  /// The log must hold at least this many explanation records.
  public var expectAtLeast: Int?
  /// The log must hold a line whose SHA-256 is this (a witnessed head).
  public var head: [UInt8]?
  /// Heads witnessed earlier: each must be a prefix of the log (RFC 6962 consistency).
  public var witnesses: [WitnessedHead] = []
  /// The model card's sensitive features; nil: each record's own redaction list.
  public var sensitiveFeatures: Set<String>?

  public init(
    publicKey: AuditPublicKey? = nil, external: Checkpoint? = nil, allowUnsealedTail: Bool = false,
    expectAtLeast: Int? = nil, head: [UInt8]? = nil, witnesses: [WitnessedHead] = [], sensitiveFeatures: Set<String>? = nil
  ) {
    self.publicKey = publicKey
    self.external = external
    self.allowUnsealedTail = allowUnsealedTail
    self.expectAtLeast = expectAtLeast
    self.head = head
    self.witnesses = witnesses
    self.sensitiveFeatures = sensitiveFeatures
  }

  /// True when something outside the log tells how long it was (a truncation is caught).
  public var guardsLength: Bool { external != nil || expectAtLeast != nil || head != nil || !witnesses.isEmpty }
}

/// How a record's content is judged: by the registries and the model card, not by the
/// tolerance, additivity flag or redaction list the record states about itself.
///
/// - Additivity: checked when the method that ran (`explainer.method`) is additive in
///   `ExplainerRegistry`: |base + Σφ − prediction| ≤ tol · (max(1, |prediction|, |base|) +
///   Σ|φ|), where tol is the model format's `additivityTolerance` (`ModelFormats`: 1e-9
///   in double, 1e-5 for XGBoost; `remoteTolerance` for a model behind a command or URL)
///   for exact methods and `sampledTolerance` (1e-6) for estimates. An unknown method or
///   format is a content failure.
/// - At most `AuditRecordBuilder.maximumReasons` reasons.
/// - No sensitive value in clear: every sensitive feature present in `input` holds
///   `{"hmac": ...}`.
public enum RecordContentPolicy {
  /// The relative tolerance of sampled estimates whose efficiency is enforced (Kernel SHAP).
  public static let sampledTolerance = 1e-6
  /// The formats of models behind a command or a URL (`RemoteModelReference`).
  public static let remoteFormats: Set<String> = ["model-command", "model-url-v2", "model-url-mlflow"]
  /// Their tolerance for exact methods: the Shapley values are summed in double from the
  /// answers received, so efficiency holds as for a double model, whatever precision the
  /// model computed in.
  public static let remoteTolerance = 1e-9

  /// The tolerance `verify` applies to a record of `method` on a model in `format`: nil
  /// when the method does not promise additivity, a `PolicyGap` when either is unknown.
  public static func tolerance(method: String, format: String) -> Result<Double?, PolicyGap> {
    guard let explainer = ExplainerRegistry.method(named: method) else { return .failure(PolicyGap("unknown explanation method '\(method)'")) }
    guard explainer.isAdditive else { return .success(nil) }
    if !explainer.isExact { return .success(sampledTolerance) }
    if remoteFormats.contains(format) { return .success(remoteTolerance) }
    guard let modelFormat = ModelFormats.format(named: format) else { return .failure(PolicyGap("unknown model format '\(format)'")) }
    return .success(modelFormat.additivityTolerance)
  }

  /// Why no tolerance applies to a record.
  public struct PolicyGap: Error, Sendable {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
  }

  /// The content problem of an explanation record, if any.
  /// - Parameter sensitive: the card's sensitive features; nil uses the record's own list.
  /// - Complexity: O(features).
  static func problem(_ record: JSONObject, sensitive: Set<String>?) -> (VerifyReport.Problem, String)? {
    let listed = sensitive.map { $0.sorted() } ?? record["redaction"]?.object?["fields"]?.array?.compactMap(\.string) ?? []
    if let input = record["input"]?.object {
      for name in listed {
        if let value = input[name], value.object?["hmac"]?.string == nil {
          let source = sensitive == nil ? "" : " (sensitive in the model card)"
          return (.sensitiveInClear, "the sensitive feature '\(name)'\(source) is stored in clear")
        }
      }
    }
    guard let attribution = record["attribution"]?.object, let base = attribution["base"]?.number,
      let phi = attribution["phi"]?.object, let prediction = record["prediction"]?.object?["value"]?.number
    else { return nil }
    if (record["reasons"]?.array?.count ?? 0) > AuditRecordBuilder.maximumReasons {
      return (.additivity, "more than \(AuditRecordBuilder.maximumReasons) reasons")
    }
    let method = record["explainer"]?.object?["method"]?.string ?? ""
    let format = record["model"]?.object?["format"]?.string ?? ""
    let relative: Double
    switch tolerance(method: method, format: format) {
    case .failure(let gap): return (.additivity, gap.reason + ": no additivity policy applies")
    case .success(nil): return nil
    case .success(let value?): relative = value
    }
    var sum = base
    var scale = max(1, abs(prediction), abs(base))
    for (_, value) in phi.members {
      let x = value.number ?? .nan
      sum += x
      scale += abs(x)
    }
    let bound = relative * scale
    let gap = abs(sum - prediction)
    if !(gap <= bound) {
      return (.additivity, "base + Σφ = \(sum) differs from the prediction \(prediction) by \(gap) (tolerance \(bound), from method '\(method)' and format '\(format)')")
    }
    return nil
  }
}
