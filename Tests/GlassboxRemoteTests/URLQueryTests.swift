import Foundation
import GlassboxRemote
import Testing

/// A query in `--model-url` (`?token=…`) may carry credentials: it goes with every request
/// and is never shown.
@Suite("A model URL with a query")
struct URLQueryTests {
  static let query = "token=q-secret-9931&tenant=blue"

  @Test("The query is kept for requests and left out of the shown URL; a fragment is dropped")
  func endpointParts() throws {
    let v2 = try HTTPEndpoint(url: "https://bob:pw@host:8080/v2/models/adult/?\(Self.query)#frag", protocol: nil)
    #expect(v2.servingProtocol == .v2)
    #expect(v2.url == "https://bob:pw@host:8080/v2/models/adult")
    #expect(v2.shownURL == "https://host:8080/v2/models/adult")
    #expect(v2.requestURL() == "https://bob:pw@host:8080/v2/models/adult?\(Self.query)")
    #expect(v2.requestURL("/infer") == "https://bob:pw@host:8080/v2/models/adult/infer?\(Self.query)")
    // The URL batches are posted to, as users copy it from a server's docs.
    let infer = try HTTPEndpoint(url: "http://h/v2/models/m/infer?\(Self.query)", protocol: nil)
    #expect(infer.url == "http://h/v2/models/m")
    #expect(infer.requestURL("/infer") == "http://h/v2/models/m/infer?\(Self.query)")
    #expect(infer.shownURL == "http://h/v2/models/m")
    let mlflow = try HTTPEndpoint(url: "http://h:5000/invocations?\(Self.query)", protocol: nil)
    #expect(mlflow.servingProtocol == .mlflow)
    #expect(mlflow.requestURL() == "http://h:5000/invocations?\(Self.query)")
    #expect(mlflow.shownURL == "http://h:5000/invocations")
    let given = try HTTPEndpoint(url: "http://h:5000?\(Self.query)", protocol: .mlflow)
    #expect(given.requestURL() == "http://h:5000/invocations?\(Self.query)")
    // An '@' in the query is not a user name.
    #expect(try HTTPEndpoint(url: "http://h/v2/models/m?to=a@b", protocol: nil).shownURL == "http://h/v2/models/m")
    #expect(try HTTPEndpoint(url: "http://h/v2/models/m?", protocol: nil).requestURL("/infer") == "http://h/v2/models/m/infer")
    #expect(HTTPEndpoint.shown("http://u:p@h/x?\(Self.query)") == "http://h/x")
    let refused = try #require(throws: RemoteModelError.self) {
      _ = try HTTPEndpoint(url: "http://h/predict?\(Self.query)", protocol: nil)
    }
    #expect(!refused.description.contains("q-secret"), "\(refused.description)")
    #expect(refused.description.contains("'http://h/predict'"), "\(refused.description)")
  }

  @Test("v2: the metadata request and every batch carry the query; source and facts do not")
  func v2Requests() async throws {
    try await FaultServer.with { base, calls in
      let model = try HTTPTransportTests.model(base + "/v2/models/plain/infer?\(Self.query)", batchRows: 2)
      defer { model.close() }
      #expect(try model.margins(HTTPTransportTests.x, count: 5) == HTTPTransportTests.expected(HTTPTransportTests.x))
      let requests = calls.requests.withLock { $0 }
      #expect(requests.map { $0.method } == ["GET", "POST", "POST", "POST"])
      #expect(requests.map { $0.path } == ["/v2/models/plain"] + Array(repeating: "/v2/models/plain/infer", count: 3))
      #expect(requests.allSatisfy { $0.query == Self.query })
      let shown = model.transport.source + model.facts.map { "\($0.key) \($0.value)" }.joined(separator: "\n")
      #expect(!shown.contains("q-secret") && !shown.contains("tenant"), "\(shown)")
      #expect(model.transport.source == "the model at \(base)/v2/models/plain")
    }
  }

  @Test("MLflow: every batch carries the query")
  func mlflowRequests() async throws {
    try await FaultServer.with { base, calls in
      let model = try HTTPTransportTests.model(base + "/invocations?\(Self.query)", kind: .probability)
      defer { model.close() }
      _ = try model.margins(HTTPTransportTests.x, count: 5)
      let requests = calls.requests.withLock { $0 }
      // One row scored to learn the answer's width, then the batch.
      #expect(requests.count == 2)
      #expect(requests.allSatisfy { $0.path == "/invocations" && $0.query == Self.query })
    }
  }

  @Test("Errors name the URL without its query", arguments: ["missing", "flaky", "malformed"])
  func errorsLeaveTheQueryOut(route: String) async throws {
    try await FaultServer.with { base, calls in
      let error = try #require(throws: RemoteModelError.self) {
        let model = try HTTPTransportTests.model(base + "/v2/models/\(route)?\(Self.query)", retries: 0)
        defer { model.close() }
        _ = try model.margins(HTTPTransportTests.x, count: 5)
      }
      #expect(error.description.contains("the model at \(base)/v2/models/\(route) "), "\(error.description)")
      #expect(!error.description.contains("q-secret"), "\(error.description)")
      #expect(calls.requests.withLock { $0.last?.query } == Self.query)
    }
  }
}
