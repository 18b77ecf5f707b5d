import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// `--audit` with a model behind a URL, against an in-process Hummingbird server whose
/// answers and model version the tests change between the explained run and its replay.
@Suite("Audit records and replay of a model behind a URL")
struct RemoteAuditURLEndToEndTests {
  static let token = "Bearer audit-secret-7781"

  /// What the server answers: f(a, b, c) = weight·a − b + 0.5c, under a model version.
  final class ServerState: Sendable {
    let state = Mutex<(weight: Double, version: String)>((2, "1"))
    /// The query of every request ("" when none), in arrival order.
    let queries = Mutex<[String]>([])
    func record(_ request: Request) { queries.withLock { $0.append(request.uri.query ?? "") } }
    var weight: Double {
      get { state.withLock { $0.weight } }
      set { state.withLock { $0.weight = newValue } }
    }
    var version: String {
      get { state.withLock { $0.version } }
      set { state.withLock { $0.version = newValue } }
    }
  }

  static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  static func rows(_ buffer: ByteBuffer) -> [[Double]] {
    guard let json = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else { return [] }
    if let split = json["dataframe_split"] as? [String: Any], let data = split["data"] as? [[NSNumber]] {
      return data.map { $0.map(\.doubleValue) }
    }
    guard let inputs = json["inputs"] as? [[String: Any]], let flat = inputs.first?["data"] as? [NSNumber] else { return [] }
    return stride(from: 0, to: flat.count, by: 3).map { i in (0..<3).map { flat[i + $0].doubleValue } }
  }

  static func router(_ state: ServerState) -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/v2/models/m") { request, _ in
      state.record(request)
      guard request.headers[.authorization] == token else { return json(#"{"error":"no"}"#, status: .unauthorized) }
      return json(
        #"{"name":"m","versions":["\#(state.version)"],"platform":"test","inputs":[{"name":"input-0","datatype":"FP64","shape":[-1,3]}],"outputs":[{"name":"out","datatype":"FP64","shape":[-1,1]}]}"#)
    }
    router.post("/v2/models/m/infer") { request, _ in
      state.record(request)
      guard request.headers[.authorization] == token else { return json(#"{"error":"no"}"#, status: .unauthorized) }
      var request = request
      let rows = rows(try await request.collectBody(upTo: 1 << 24))
      let w = state.weight
      let values = rows.map { "\(w * $0[0] - $0[1] + 0.5 * $0[2])" }.joined(separator: ",")
      return json(#"{"model_name":"m","outputs":[{"name":"out","shape":[\#(rows.count),1],"datatype":"FP64","data":[\#(values)]}]}"#)
    }
    router.post("/invocations") { request, _ in
      state.record(request)
      var request = request
      let rows = rows(try await request.collectBody(upTo: 1 << 24))
      let w = state.weight
      return json(#"{"predictions":[\#(rows.map { "\(w * $0[0] - $0[1] + 0.5 * $0[2])" }.joined(separator: ","))]}"#)
    }
    return router
  }

  /// Runs `body` with the server listening on 127.0.0.1, given its port.
  static func withServer(_ state: ServerState, _ body: @escaping @Sendable (Int) throws -> Void) async throws {
    let app = Application(router: router(state), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
      let port = client.port ?? 0
      try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
        Thread.detachNewThread {
          do {
            try body(port)
            done.resume()
          } catch {
            done.resume(throwing: error)
          }
        }
      }
    }
  }

  struct Setup {
    let scratch = ScratchFolder()
    var card = "", data = "", background = "", headers = "", log = ""
  }

  static func setup() -> Setup {
    var s = Setup()
    s.card = s.scratch.write(
      "card.json",
      #"{"format":"glassbox-card","version":1,"name":"served","features":[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"},{"name":"c","type":"numeric"}]}"#)
    s.data = s.scratch.write("data.csv", "a,b,c\n1,1,1\n2.5,-3,0\n-1,4,2\n")
    s.background = s.scratch.write("background.csv", "a,b,c\n0,0,0\n1,2,-1\n3,-1,2\n-2,0.5,4\n")
    s.headers = s.scratch.write("headers.txt", "Authorization: \(token)\n")
    s.log = s.scratch.path + "/audit.jsonl"
    return s
  }

  static func explain(_ s: Setup, url: String, extra: [String] = []) throws -> GlassboxRun {
    try Glassbox.run(
      [
        "explain", "--model-url", url, "--output-kind", "value", "--card", s.card, "--background", s.background,
        "--data", s.data, "--method", "exact", "--format", "json", "--quiet", "--audit", s.log,
      ] + extra)
  }

  static func firstRecord(_ log: String) throws -> [String: Any] {
    let line = try #require(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").first)
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
  }

  @Test("v2: the record names the endpoint without credentials, the model's name and version; replay detects changed answers and versions")
  func v2() async throws {
    let state = ServerState()
    try await Self.withServer(state) { port in
      let s = Self.setup()
      let url = "http://alice:pa55word@127.0.0.1:\(port)/v2/models/m"
      let run = try Self.explain(s, url: url, extra: ["--header-file", s.headers])
      try #require(run.status == 0, "stderr: \(run.stderr)")
      let log = try String(contentsOfFile: s.log, encoding: .utf8)
      for secret in ["alice", "pa55word", "audit-secret-7781", "Authorization"] {
        #expect(!log.contains(secret), "the log holds '\(secret)'")
      }
      let model = try #require(try Self.firstRecord(s.log)["model"] as? [String: Any])
      let endpoint = "http://127.0.0.1:\(port)/v2/models/m"
      #expect(model["path"] as? String == endpoint)
      #expect(model["format"] as? String == "model-url-v2")
      #expect(model["sha256"] is NSNull)
      let remote = try #require(model["remote"] as? [String: Any])
      #expect(remote["kind"] as? String == "url")
      #expect(remote["endpoint"] as? String == endpoint)
      #expect(remote["protocol"] as? String == "v2")
      #expect(remote["model_name"] as? String == "m")
      #expect(remote["model_version"] as? String == "1")
      #expect(remote["metadata"] as? String == "GET \(endpoint)")
      #expect(remote["layout"] as? String == "tensor")
      let verify = try Glassbox.run(["audit", "verify", s.log])
      #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

      // Without the header file the server refuses the replay's requests.
      let refused = try Glassbox.run(["audit", "replay", s.log])
      #expect(refused.status != 0)
      #expect(!refused.stderr.contains("audit-secret-7781") && !refused.stdout.contains("audit-secret-7781"))
      let same = try Glassbox.run(["audit", "replay", s.log, "--header-file", s.headers])
      #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
      #expect(same.stdout.contains("3 record(s): 3 identical, 0 differ, 0 not replayed"), "\(same.stdout)")

      state.version = "2"
      let versioned = try Glassbox.run(["audit", "replay", s.log, "--header-file", s.headers])
      #expect(versioned.status == 1)
      #expect(versioned.stdout.contains("the model version changed: 1 recorded, 2 now (every number identical)"), "\(versioned.stdout)")

      state.version = "1"
      state.weight = 3
      let changed = try Glassbox.run(["audit", "replay", s.log, "--header-file", s.headers])
      #expect(changed.status == 1)
      #expect(changed.stdout.contains("3 record(s): 0 identical, 3 differ, 0 not replayed"), "\(changed.stdout)")
      #expect(changed.stdout.contains("differs: largest difference 2.5 at prediction\n"), "\(changed.stdout)")
    }
  }

  @Test("MLflow: the record says the server publishes no name or version; replay re-queries it")
  func mlflow() async throws {
    let state = ServerState()
    try await Self.withServer(state) { port in
      let s = Self.setup()
      let run = try Self.explain(s, url: "http://127.0.0.1:\(port)/invocations")
      try #require(run.status == 0, "stderr: \(run.stderr)")
      let model = try #require(try Self.firstRecord(s.log)["model"] as? [String: Any])
      let remote = try #require(model["remote"] as? [String: Any])
      #expect(remote["protocol"] as? String == "mlflow")
      #expect(remote["model_name"] is NSNull && remote["model_version"] is NSNull)
      #expect((remote["metadata"] as? String)?.hasPrefix("none: MLflow's scoring server publishes no model name or version") == true)
      let same = try Glassbox.run(["audit", "replay", s.log])
      #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
      state.weight = 1
      let changed = try Glassbox.run(["audit", "replay", s.log])
      #expect(changed.status == 1)
      #expect(changed.stdout.contains("3 record(s): 0 identical, 3 differ"), "\(changed.stdout)")
    }
  }

  @Test("A query in the URL goes with every request and never into output or records; replay queries without it")
  func query() async throws {
    let state = ServerState()
    let secret = "sig=query-secret-5521"
    try await Self.withServer(state) { port in
      let s = Self.setup()
      let endpoint = "http://127.0.0.1:\(port)/v2/models/m"
      let run = try Glassbox.run([
        "explain", "--model-url", endpoint + "/infer?" + secret, "--output-kind", "value", "--card", s.card,
        "--background", s.background, "--data", s.data, "--method", "exact", "--format", "json", "--audit", s.log,
        "--header-file", s.headers,
      ])
      try #require(run.status == 0, "stderr: \(run.stderr)")
      let sent = state.queries.withLock { $0 }
      #expect(sent.count >= 2)
      #expect(sent.allSatisfy { $0 == secret }, "\(sent)")
      let log = try String(contentsOfFile: s.log, encoding: .utf8)
      for (name, text) in [("stdout", run.stdout), ("stderr", run.stderr), ("log", log)] {
        #expect(!text.contains("query-secret"), "\(name) holds the query")
      }
      #expect(run.stderr.contains("glassbox: model URL: "), "\(run.stderr)")
      let model = try #require(try Self.firstRecord(s.log)["model"] as? [String: Any])
      #expect(model["path"] as? String == endpoint)
      #expect((model["remote"] as? [String: Any])?["endpoint"] as? String == endpoint)
      let inspect = try Glassbox.run(["inspect", "--model-url", endpoint + "?" + secret, "--card", s.card, "--header-file", s.headers])
      #expect(inspect.status == 0, "\(inspect.stderr)")
      #expect(inspect.stdout.contains(endpoint) && !inspect.stdout.contains("query-secret"), "\(inspect.stdout)")

      // The record holds no query, so a replay asks the endpoint without one.
      state.queries.withLock { $0 = [] }
      let replay = try Glassbox.run(["audit", "replay", s.log, "--header-file", s.headers])
      #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
      let replayed = state.queries.withLock { $0 }
      #expect(!replayed.isEmpty && replayed.allSatisfy(\.isEmpty), "\(replayed)")
    }
  }
}
