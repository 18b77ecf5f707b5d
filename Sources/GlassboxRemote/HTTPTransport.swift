import AsyncHTTPClient
import Dispatch
import GlassboxData
import GlassboxNumerics
import GlassboxSystem
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A model behind HTTP: Open Inference Protocol v2 or MLflow's scoring server, reached
/// with swift-server's AsyncHTTPClient (keep-alive connections, http and https).
///
/// Batches go `concurrency` at a time. A batch that meets a connection error, 429 or 503
/// is retried up to `retries` times after `backoff · 2^attempt` seconds times a seeded
/// jitter in [0.5, 1.5); any other status is an error naming the URL, the status and the
/// first line of the body. Header values (from a header file) are sent, never shown.
public final class HTTPTransport: ModelTransport, @unchecked Sendable {
  public struct Settings: Sendable {
    /// Requests in flight at once.
    public var concurrency = 4
    /// Seconds one request may take.
    public var timeout: Double = 60
    /// Retries of a batch after a connection error, 429 or 503.
    public var retries = 4
    /// The first retry's delay in seconds (doubling each time).
    public var backoff: Double = 0.25
    /// Seeds the jitter of the retry delays.
    public var seed: UInt64 = 42
    /// v2 only: the tensor layout (nil: one input per feature when the metadata lists one
    /// input per feature, else one tensor).
    public var layout: TensorLayout?
    /// v2 only: the output to read (nil: the first).
    public var outputName: String?
    /// Extra request headers (`Authorization`, ...).
    public var headers: [(name: String, value: String)] = []
    public init() {}
  }

  public let endpoint: HTTPEndpoint
  public let settings: Settings
  public private(set) var answerWidth = 0
  public private(set) var answerNames: [String]? = nil
  /// The server's name and version of the model (v2 metadata), when it says.
  public private(set) var modelName: String?
  public private(set) var modelVersion: String?
  /// The v2 layout used.
  public private(set) var layout: TensorLayout = .tensor
  private var inputName = "input-0"
  private var metadataFacts: [(key: String, value: String)] = []
  private let schema: FeatureSchema
  private let client: HTTPClient
  private let closed = Atomic<Bool>(false)
  /// Requests in flight across all groups, at most `concurrency`.
  private let inFlight: DispatchSemaphore

  /// Groups of batches served at once: as many as requests may be in flight, so the server
  /// works on one group while the explainers prepare the next.
  public var concurrentGroups: Int { settings.concurrency }

  public var source: String { "the model at \(endpoint.shownURL)" }

  public var facts: [(key: String, value: String)] {
    [("url", endpoint.shownURL), ("protocol", endpoint.servingProtocol.rawValue)] + metadataFacts
      + (endpoint.servingProtocol == .v2 ? [("layout", layout.rawValue)] : [])
      + [("answers", "\(answerWidth) value\(answerWidth == 1 ? "" : "s") per row")]
  }

  /// Connects: reads the v2 metadata, and learns the answer width (from the metadata or
  /// by scoring one row built from the card).
  /// - Throws: `RemoteModelError` when the server cannot be reached or answers badly.
  public init(endpoint: HTTPEndpoint, schema: FeatureSchema, settings: Settings) throws {
    self.endpoint = endpoint
    self.schema = schema
    self.settings = settings
    inFlight = DispatchSemaphore(value: max(1, settings.concurrency))
    var configuration = HTTPClient.Configuration()
    configuration.timeout = .init(connect: .seconds(5), read: .milliseconds(Int64(settings.timeout * 1000)))
    configuration.connectionPool = .init(idleTimeout: .seconds(60))
    // A refused or reset connection fails the request at once; this transport retries it
    // with its own backoff, so that an unreachable server fails within seconds.
    configuration.connectionPool.retryConnectionEstablishment = false
    client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
      try connect()
    } catch {
      try? client.syncShutdown()
      throw error
    }
  }

  private func connect() throws {
    var declaredWidth: Int?
    if endpoint.servingProtocol == .v2 {
      let body = try send(method: .GET, url: endpoint.requestURL(), body: nil, batch: nil)
      let json = try parse(body, batch: nil)
      let object = json.object
      modelName = object?["name"]?.string
      modelVersion = object?["versions"]?.array?.compactMap(\.string).last ?? object?["version"]?.string
      let inputs = object?["inputs"]?.array ?? []
      let outputs = object?["outputs"]?.array ?? []
      if let name = modelName { metadataFacts.append(("model name", name)) }
      if let version = modelVersion { metadataFacts.append(("model version", version)) }
      if let platform = object?["platform"]?.string, !platform.isEmpty { metadataFacts.append(("platform", platform)) }
      metadataFacts.append(("inputs", inputs.isEmpty ? "not listed" : inputs.map(Self.describeTensor).joined(separator: ", ")))
      metadataFacts.append(("outputs", outputs.isEmpty ? "not listed" : outputs.map(Self.describeTensor).joined(separator: ", ")))
      // MLServer lists no inputs for a model served with its pandas codec; it says so in the
      // model's parameters instead.
      let pandas = object?["parameters"]?.object?["content_type"]?.string == "pd"
      layout = settings.layout ?? ((inputs.count == schema.count && schema.count > 1) || pandas ? .columns : .tensor)
      if inputs.count == 1, let name = inputs[0].object?["name"]?.string { inputName = name }
      let chosen = settings.outputName.flatMap { n in outputs.first { $0.object?["name"]?.string == n } } ?? outputs.first
      if let last = chosen?.object?["shape"]?.numberArray?.last, outputs.count >= 1 {
        let shape = chosen?.object?["shape"]?.numberArray ?? []
        declaredWidth = shape.count >= 2 && last > 0 ? Int(last) : (shape.count == 1 ? 1 : nil)
      }
    }
    if let declaredWidth {
      answerWidth = declaredWidth
    } else {
      // Score one row (numbers 0, each categorical feature's first label) to learn the width.
      let row = schema.features.map { feature -> Double in
        if case .categorical(let labels) = feature.kind, let first = labels.first { return first.code }
        return 0
      }
      let answer = try evaluateOne(TransportBatch(number: 0, rows: row[...], count: 1), width: nil)
      answerWidth = answer.count
      guard answerWidth >= 1 else { throw RemoteModelError(source: source, problem: "answered no values for a row") }
    }
  }

  static func describeTensor(_ value: JSONValue) -> String {
    let o = value.object
    let shape = o?["shape"]?.numberArray?.map { String(Int($0)) }.joined(separator: ",") ?? "?"
    return "\(o?["name"]?.string ?? "?") \(o?["datatype"]?.string ?? "?")[\(shape)]"
  }

  public func evaluate(_ batches: [TransportBatch]) throws -> [[Double]] {
    guard !closed.load(ordering: .acquiring) else {
      throw RemoteModelError(source: source, problem: "was already disconnected")
    }
    let results = Mutex<[Result<[Double], RemoteModelError>?]>(Array(repeating: nil, count: batches.count))
    let failed = Atomic<Bool>(false)
    // Up to `concurrency` workers, each mostly waiting for the server: `parallelFor` gives
    // them threads of their own when they outnumber the cores. After a failure, the
    // batches not yet sent are left unsent.
    parallelFor(batches.count, threads: max(1, settings.concurrency)) { i in
      if failed.load(ordering: .relaxed) { return }
      let result: Result<[Double], RemoteModelError>
      inFlight.wait()
      defer { inFlight.signal() }
      do {
        result = .success(try evaluateOne(batches[i], width: answerWidth))
      } catch let error as RemoteModelError {
        result = .failure(error)
      } catch {
        result = .failure(RemoteModelError(source: source, batch: batches[i].number, problem: "failed: \(error)"))
      }
      results.withLock { $0[i] = result }
      if case .failure = result { failed.store(true, ordering: .relaxed) }
    }
    let all = results.withLock { $0 }
    // The failure of the lowest batch, whatever the order the batches were answered in.
    for case .failure(let error)? in all { throw error }
    var answers: [[Double]] = []
    answers.reserveCapacity(all.count)
    for result in all {
      guard case .success(let values)? = result else {
        throw RemoteModelError(source: source, problem: "left a batch unanswered")
      }
      answers.append(values)
    }
    return answers
  }

  /// One batch: the request, its retries, and the answer's numbers (checked against `width`).
  private func evaluateOne(_ batch: TransportBatch, width: Int?) throws -> [Double] {
    let body: [UInt8]
    let url: String
    switch endpoint.servingProtocol {
    case .v2:
      body = InferencePayloads.v2Request(
        batch.rows, count: batch.count, schema: schema, layout: layout, inputName: inputName,
        outputName: settings.outputName)
      url = endpoint.requestURL("/infer")
    case .mlflow:
      body = InferencePayloads.mlflowRequest(batch.rows, count: batch.count, schema: schema)
      url = endpoint.requestURL()
    }
    let number = batch.number > 0 ? batch : nil
    let json = try parse(try send(method: .POST, url: url, body: body, batch: number), batch: number)
    let decoded = endpoint.servingProtocol == .v2
      ? InferencePayloads.v2Answer(json, outputName: settings.outputName) : InferencePayloads.mlflowAnswer(json)
    switch decoded {
    case .failure(let problem):
      throw RemoteModelError(source: source, batch: number?.number, batchRows: number?.count, problem: "answered badly: \(problem.text)")
    case .success(let values):
      if let width, values.count != batch.count * width {
        throw RemoteModelError(
          source: source, batch: number?.number, batchRows: number?.count,
          problem: "answered \(values.count) values for \(batch.count) rows of \(width)")
      }
      if width == nil && values.count % batch.count != 0 {
        throw RemoteModelError(source: source, problem: "answered \(values.count) values for \(batch.count) rows")
      }
      return values
    }
  }

  private func parse(_ body: [UInt8], batch: TransportBatch?) throws -> JSONValue {
    do {
      return try JSONParser.parse(body, path: "answer")
    } catch {
      throw RemoteModelError(
        source: source, batch: batch?.number, batchRows: batch?.count, problem: "answered malformed JSON (\(error))")
    }
  }

  /// Sends one request, retrying connection errors, 429 and 503.
  private func send(method: HTTPMethod, url: String, body: [UInt8]?, batch: TransportBatch?) throws -> [UInt8] {
    var jitter = Xoshiro256StarStar(seed: settings.seed, stream: UInt64(batch?.number ?? 0))
    var attempt = 0
    func failure(_ problem: String) -> RemoteModelError {
      RemoteModelError(source: source, batch: batch?.number, batchRows: batch?.count, problem: problem)
    }
    while true {
      let retryable: String
      do {
        var request = try HTTPClient.Request(url: url, method: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
          request.headers.add(name: "Content-Type", value: "application/json")
          request.body = .bytes(body)
        }
        for header in settings.headers { request.headers.add(name: header.name, value: header.value) }
        let deadline = NIODeadline.now() + .milliseconds(Int64(settings.timeout * 1000))
        let response = try client.execute(request: request, deadline: deadline).wait()
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        let code = Int(response.status.code)
        if (200..<300).contains(code) { return bytes }
        guard code == 429 || code == 503 else {
          let firstLine = String(decoding: bytes.prefix(400), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
          throw failure("answered HTTP \(code) \(response.status.reasonPhrase)\(firstLine.isEmpty ? "" : ": " + firstLine.prefix(200))")
        }
        retryable = "answered HTTP \(code) \(response.status.reasonPhrase)"
      } catch let error as RemoteModelError {
        throw error
      } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
        throw failure("did not answer within \(formatSeconds(settings.timeout)) seconds")
      } catch {
        if let error = error as? HTTPClientError, error == .invalidURL || error == .emptyHost || error == .unsupportedScheme("") {
          throw failure("cannot be requested: \(error)")
        }
        retryable = "could not be reached (\(Self.connectionProblem(error)))"
      }
      guard attempt < settings.retries, !closed.load(ordering: .acquiring) else {
        throw failure(retryable + (attempt > 0 ? " after \(attempt) retr\(attempt == 1 ? "y" : "ies")" : ""))
      }
      let delay = settings.backoff * Double(1 << attempt) * (0.5 + jitter.nextUnitDouble())
      usleep(UInt32(min(delay, 30) * 1_000_000))
      attempt += 1
    }
  }

  /// A short reason for a connection failure.
  static func connectionProblem(_ error: Error) -> String {
    let text = String(describing: error)
    if text.localizedLowercase.contains("refused") { return "connection refused" }
    if text.contains("dns") || text.contains("DNS") || text.contains("resolve") { return "the host name could not be resolved" }
    if text.contains("reset") || text.contains("remoteConnectionClosed") || text.contains("closed") { return "the connection was closed" }
    if text.contains("connectTimeout") { return "the connection timed out" }
    return String(text.prefix(120))
  }

  public func close() {
    if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
    try? client.syncShutdown()
  }
}
