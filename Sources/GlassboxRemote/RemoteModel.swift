import GlassboxData
import GlassboxModels
import Synchronization

/// What a remote model's answers are.
public enum RemoteOutputKind: String, Sendable, CaseIterable {
  /// Probabilities: one value (the positive class), two (binary classes) or K classes.
  case probability
  /// Margins: one value is a binary classifier's log-odds, K values are class logits.
  case margin
  /// Regression values: explained as they are.
  case value

  /// The model's outputs and link for `width` answered values per row.
  func shape(width: Int) -> (outputs: Int, transform: OutputTransform) {
    switch self {
    case .probability: width <= 2 ? (1, .logistic) : (width, .softmax)
    case .margin: width == 1 ? (1, .logistic) : (width, .softmax)
    case .value: (width, .identity)
    }
  }
}

/// A model that glassbox does not hold: rows go through a `ModelTransport` (a command, an
/// HTTP endpoint), so any explainer that uses models only through predictions (Kernel
/// SHAP, exact Shapley values, LIME, bias scoring, checks) works on it unchanged.
///
/// Threads that ask for predictions at the same time share batches (`RequestQueue`; up to
/// the transport's `concurrentGroups` groups at once); each
/// distinct row is sent once per group of requests (identical hybrid rows are common in
/// Kernel SHAP); batches hold at most `batchRows` rows. Answers are read as margins:
/// probabilities p become log-odds log(p / (1 − p)) (binary) or log p (K classes, whose
/// softmax gives p back), p clamped to [2⁻⁵³, 1 − 2⁻⁵³].
///
/// `predictMargins` cannot throw: on a transport failure it records the error, calls
/// `onFailure` (the command line ends the run there) and answers NaN, which the pipeline
/// refuses to write. `failure` tells what happened.
public final class RemoteModel: DescribableModel, @unchecked Sendable {
  public let transport: any ModelTransport
  public let featureNames: [String]
  public let outputCount: Int
  public let classNames: [String]?
  public let transform: OutputTransform
  public let kind: RemoteOutputKind
  /// The most rows in one batch.
  public let batchRows: Int
  private let onFailure: (@Sendable (RemoteModelError) -> Void)?
  private let queue: RequestQueue
  private let counts = Mutex<Statistics>(Statistics())
  private let firstFailure = Mutex<RemoteModelError?>(nil)

  /// Work done through the transport.
  public struct Statistics: Sendable, Equatable {
    /// Rows the explainers asked for.
    public var evaluations = 0
    /// Distinct rows sent (the rest were duplicates within a group of requests).
    public var rowsSent = 0
    /// Batches (requests or protocol frames) sent.
    public var batches = 0
  }

  /// - Parameters:
  ///   - featureNames: the inputs in the order the transport sends them.
  ///   - kind: what the answers are.
  ///   - batchRows: the most rows per batch (at least 1).
  ///   - classNames: names of the classes, when known (otherwise the transport's answer names).
  ///   - onFailure: called once, from the thread that met the first transport failure.
  public init(
    transport: any ModelTransport, featureNames: [String], kind: RemoteOutputKind, batchRows: Int,
    classNames: [String]? = nil, onFailure: (@Sendable (RemoteModelError) -> Void)? = nil
  ) {
    self.transport = transport
    self.featureNames = featureNames
    self.kind = kind
    self.batchRows = max(1, batchRows)
    queue = RequestQueue(maxGroups: transport.concurrentGroups)
    (outputCount, transform) = kind.shape(width: transport.answerWidth)
    self.classNames = classNames ?? (kind == .value ? nil : transport.answerNames)
    self.onFailure = onFailure
  }

  public var summary: String {
    "remote model, \(featureCount) features, \(transport.answerWidth) \(kind.rawValue) value\(transport.answerWidth == 1 ? "" : "s") per row"
  }

  public var facts: [(key: String, value: String)] {
    transport.facts + [("answers read as", kind.rawValue), ("rows per batch", String(batchRows))]
  }

  /// Work done so far.
  public var statistics: Statistics { counts.withLock { $0 } }

  /// The first transport failure, if any.
  public var failure: RemoteModelError? { firstFailure.withLock { $0 } }

  public func predictMargins(_ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
    checkMarginBuffers(rows, count: count, into: out)
    do {
      let margins = try self.margins(Array(rows), count: count)
      for i in margins.indices { out[i] = margins[i] }
    } catch {
      for i in 0..<(count * outputCount) { out[i] = .nan }
    }
  }

  /// Margins (`count × outputCount`, row-major) of `count` rows.
  /// - Throws: `RemoteModelError` when the transport fails (then and for every later call).
  public func margins(_ rows: [Double], count: Int) throws(RemoteModelError) -> [Double] {
    if count == 0 { return [] }
    if let failure { throw failure }
    let request = RequestQueue.Request(rows: rows, count: count)
    switch queue.submit(request, serve: serve) {
    case .success(let margins): return margins
    case .failure(let error): throw error
    }
  }

  /// Ends the transport (the command, the connections).
  public func close() { transport.close() }

  /// Serves a group of requests: distinct rows in batches, then every request's margins.
  private func serve(_ group: [RequestQueue.Request]) {
    let m = featureCount
    var unique: [Double] = []
    var index: [[UInt64]: Int] = [:]
    var slots: [[Int]] = []
    for request in group {
      var mine: [Int] = []
      mine.reserveCapacity(request.count)
      for r in 0..<request.count {
        let row = request.rows[(r * m)..<((r + 1) * m)]
        let key = row.map(\.bitPattern)
        if let slot = index[key] {
          mine.append(slot)
        } else {
          index[key] = index.count
          mine.append(index.count - 1)
          unique += row
        }
      }
      slots.append(mine)
    }
    let distinct = index.count
    var batches: [TransportBatch] = []
    let firstNumber = counts.withLock { c in
      let first = c.batches + 1
      c.batches += (distinct + batchRows - 1) / batchRows
      c.evaluations += group.reduce(0) { $0 + $1.count }
      c.rowsSent += distinct
      return first
    }
    var start = 0
    while start < distinct {
      let n = min(batchRows, distinct - start)
      batches.append(TransportBatch(number: firstNumber + batches.count, rows: unique[(start * m)..<((start + n) * m)], count: n))
      start += n
    }
    let result: Result<[Double], RemoteModelError>
    do {
      let answers = try transport.evaluate(batches)
      var margins: [Double] = []
      margins.reserveCapacity(distinct * outputCount)
      for (batch, values) in zip(batches, answers) { try appendMargins(of: values, batch: batch, to: &margins) }
      result = .success(margins)
    } catch let error as RemoteModelError {
      result = .failure(error)
    } catch {
      result = .failure(RemoteModelError(source: transport.source, problem: "failed: \(error)"))
    }
    switch result {
    case .success(let margins):
      let k = outputCount
      for (request, mine) in zip(group, slots) {
        var out = [Double](repeating: 0, count: request.count * k)
        for (r, slot) in mine.enumerated() {
          for c in 0..<k { out[r * k + c] = margins[slot * k + c] }
        }
        request.result = .success(out)
      }
    case .failure(let error):
      let first = firstFailure.withLock { stored -> Bool in
        if stored == nil {
          stored = error
          return true
        }
        return false
      }
      for request in group { request.result = .failure(error) }
      if first { onFailure?(error) }
    }
  }

  /// Reads one batch's answers as margins, refusing values that do not fit the kind.
  private func appendMargins(of values: [Double], batch: TransportBatch, to margins: inout [Double]) throws {
    let w = transport.answerWidth
    guard values.count == batch.count * w else {
      throw RemoteModelError(
        source: transport.source, batch: batch.number, batchRows: batch.count,
        problem: "answered \(values.count) values for \(batch.count) rows of \(w)")
    }
    for v in values where !v.isFinite {
      throw RemoteModelError(
        source: transport.source, batch: batch.number, batchRows: batch.count, problem: "answered \(v), not a finite number")
    }
    if kind == .probability, let bad = values.first(where: { $0 < 0 || $0 > 1 }) {
      throw RemoteModelError(
        source: transport.source, batch: batch.number, batchRows: batch.count,
        problem: "answered \(bad), which is not a probability (use --output-kind margin or value)")
    }
    let smallest = 0x1p-53
    func clamped(_ p: Double) -> Double { min(max(p, smallest), 1 - smallest) }
    for r in 0..<batch.count {
      let row = values[(r * w)..<((r + 1) * w)]
      switch (kind, w) {
      case (.probability, 1), (.probability, 2):
        let p = clamped(row[row.endIndex - 1])
        margins.append(_log(p / (1 - p)))
      case (.probability, _):
        margins += row.map { _log(clamped($0)) }
      default:
        margins += row
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
#endif
