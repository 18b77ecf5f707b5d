import Foundation
import GlassboxData
import GlassboxRemote
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// An in-process model server for transport tests: Open Inference Protocol v2 and MLflow
/// routes serving f(a, b, c) = a·b + 0.5·c − a (as `TestCommand.f`), and routes that fail
/// on purpose: 503 twice then 200, slow answers, malformed JSON, one value short, NaN,
/// 404, a required bearer token.
enum FaultServer {
  static let secret = "Bearer s3cret-token-42"

  /// Calls per route, to check retries.
  final class Calls: Sendable {
    let counts = Mutex<[String: Int]>([:])
    func next(_ route: String) -> Int { counts.withLock { $0[route, default: 0] += 1; return $0[route]! } }
    func count(_ route: String) -> Int { counts.withLock { $0[route, default: 0] } }
    /// Requests being answered now, and the most at once (route "overlap").
    let inFlight = Mutex<(now: Int, most: Int)>((0, 0))
    /// Every request's method, path and query ("" when none), in arrival order.
    let requests = Mutex<[(method: String, path: String, query: String)]>([])
    func record(_ request: Request) {
      requests.withLock { $0.append((request.method.rawValue, request.uri.path, request.uri.query ?? "")) }
    }
  }

  static func metadata(_ name: String, columns: Bool) -> String {
    let inputs = columns
      ? #"[{"name":"a","datatype":"FP64","shape":[-1,1]},{"name":"b","datatype":"FP64","shape":[-1,1]},{"name":"c","datatype":"FP64","shape":[-1,1]}]"#
      : #"[{"name":"input-0","datatype":"FP64","shape":[-1,3]}]"#
    return #"{"name":"\#(name)","versions":["7"],"platform":"test","inputs":\#(inputs),"outputs":[{"name":"out","datatype":"FP64","shape":[-1,1]}]}"#
  }

  /// What MLServer's scikit-learn runtime answers for a model served with its pandas codec:
  /// no inputs or outputs, the codec in the model's parameters.
  static let mlserverPandasMetadata =
    #"{"name":"pandas","versions":[],"platform":"","inputs":[],"outputs":[],"parameters":{"content_type":"pd"}}"#

  /// Rows of a v2 request (one tensor or one input per column) or an MLflow request.
  static func rows(_ body: Data) -> [[Double]] {
    guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return [] }
    func number(_ v: Any) -> Double { (v as? NSNumber)?.doubleValue ?? .nan }
    if let split = json["dataframe_split"] as? [String: Any], let data = split["data"] as? [[Any]] {
      return data.map { $0.map(number) }
    }
    guard let inputs = json["inputs"] as? [[String: Any]] else { return [] }
    if inputs.count == 1, let data = inputs[0]["data"] as? [Any] {
      let flat = data.map(number)
      return stride(from: 0, to: flat.count, by: 3).map { Array(flat[$0..<($0 + 3)]) }
    }
    let columns = inputs.map { (($0["data"] as? [Any]) ?? []).map(number) }
    return (0..<(columns.first?.count ?? 0)).map { r in columns.map { $0[r] } }
  }

  static func answer(_ rows: [[Double]], drop: Int = 0, nan: Bool = false) -> String {
    let values = rows.map { TestCommand.f($0[0], $0[1], $0[2]) }.dropLast(drop)
    let data = values.enumerated().map { i, v in nan && i == 0 ? "null" : "\(v)" }.joined(separator: ",")
    return #"{"model_name":"m","outputs":[{"name":"out","shape":[\#(values.count),1],"datatype":"FP64","data":[\#(data)]}]}"#
  }

  static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  static func router(calls: Calls) -> Router<BasicRequestContext> {
    let router = Router()
    for name in ["plain", "flaky", "slow", "malformed", "short", "nan", "secured", "overlap"] {
      router.get("/v2/models/\(name)") { request, _ in
        calls.record(request)
        if name == "secured" && request.headers[.authorization] != secret { return json(#"{"error":"no"}"#, status: .unauthorized) }
        return json(metadata(name, columns: false))
      }
    }
    router.get("/v2/models/columns") { _, _ in json(metadata("columns", columns: true)) }
    router.get("/v2/models/pandas") { _, _ in json(mlserverPandasMetadata) }
    router.post("/v2/models/:name/infer") { request, context in
      calls.record(request)
      let name = context.parameters.get("name") ?? ""
      let call = calls.next(name)
      var request = request
      let body = Data(buffer: try await request.collectBody(upTo: 1 << 24))
      let rows = rows(body)
      switch name {
      case "flaky" where call <= 2: return json(#"{"error":"busy"}"#, status: .serviceUnavailable)
      case "slow": try await Task.sleep(for: .seconds(2))
      case "overlap":
        calls.inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        try await Task.sleep(for: .seconds(1))
        calls.inFlight.withLock { $0.now -= 1 }
      case "malformed": return json(#"{"outputs": [ {"name": "out", "data": [1, 2"#)
      case "short": return json(answer(rows, drop: 1))
      case "nan": return json(answer(rows, nan: true))
      case "secured" where request.headers[.authorization] != secret:
        return json("unauthorized\nsecond line", status: .unauthorized)
      case "columns", "pandas":
        let parsed = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        let contentType = (parsed["parameters"] as? [String: Any])?["content_type"] as? String
        if contentType != "pd" { return json("expected one input per column", status: .badRequest) }
      default: break
      }
      return json(answer(rows))
    }
    router.get("/v2/models/missing") { request, _ in
      calls.record(request)
      return json("model missing not found\nmore", status: .notFound)
    }
    router.post("/invocations") { request, _ in
      calls.record(request)
      var request = request
      let rows = rows(Data(buffer: try await request.collectBody(upTo: 1 << 24)))
      let predictions = rows.map { row -> String in
        let p = 1 / (1 + Foundation.exp(-TestCommand.f(row[0], row[1], row[2])))
        return "[\(1 - p),\(p)]"
      }
      return json(#"{"predictions":[\#(predictions.joined(separator: ","))]}"#)
    }
    return router
  }

  /// Runs `body` with the server listening on 127.0.0.1 and its base URL.
  static func with(_ body: @escaping @Sendable (String, Calls) throws -> Void) async throws {
    let calls = Calls()
    let app = Application(router: router(calls: calls), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
      let base = "http://127.0.0.1:\(client.port ?? 0)"
      try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
        Thread.detachNewThread {
          do {
            try body(base, calls)
            done.resume()
          } catch {
            done.resume(throwing: error)
          }
        }
      }
    }
  }
}

extension Data {
  init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}
