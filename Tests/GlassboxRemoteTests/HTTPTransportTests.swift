import Foundation
import GlassboxData
import GlassboxModels
import GlassboxRemote
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("A model behind HTTP, against an in-process server")
struct HTTPTransportTests {
  /// Five distinct rows (so none is deduplicated away).
  static let x: [Double] = [1, 2, 3, 0.5, -1, 4, 2, 2, 2, 1, 2, 3.5, -3, 0.25, 1]

  static func model(
    _ url: String, kind: RemoteOutputKind = .value, retries: Int = 4, timeout: Double = 5, headers: [(String, String)] = [],
    batchRows: Int = 1024, concurrency: Int = 4
  ) throws -> RemoteModel {
    var settings = HTTPTransport.Settings()
    settings.retries = retries
    settings.timeout = timeout
    settings.backoff = 0.05
    settings.headers = headers.map { (name: $0.0, value: $0.1) }
    settings.concurrency = concurrency
    let transport = try HTTPTransport(endpoint: try HTTPEndpoint(url: url, protocol: nil), schema: TestCommand.schema, settings: settings)
    return RemoteModel(transport: transport, featureNames: TestCommand.schema.names, kind: kind, batchRows: batchRows)
  }

  static func expected(_ rows: [Double]) -> [Double] {
    stride(from: 0, to: rows.count, by: 3).map { TestCommand.f(rows[$0], rows[$0 + 1], rows[$0 + 2]) }
  }

  @Test("v2 with one tensor: answers equal the function, batches split and run concurrently; metadata is read")
  func v2Tensor() async throws {
    try await FaultServer.with { base, calls in
      let model = try Self.model(base + "/v2/models/plain", batchRows: 2, concurrency: 3)
      defer { model.close() }
      let margins = try model.margins(Self.x, count: 5)
      #expect(margins == Self.expected(Self.x))
      #expect(calls.count("plain") == 3)
      let transport = try #require(model.transport as? HTTPTransport)
      #expect(transport.modelName == "plain")
      #expect(transport.modelVersion == "7")
      #expect(transport.layout == .tensor)
    }
  }

  @Test("v2 with one input per column when the metadata lists one per feature")
  func v2Columns() async throws {
    try await FaultServer.with { base, _ in
      let model = try Self.model(base + "/v2/models/columns")
      defer { model.close() }
      #expect((model.transport as? HTTPTransport)?.layout == .columns)
      #expect(try model.margins(Self.x, count: 5) == Self.expected(Self.x))
    }
  }

  @Test("503 twice then 200: retried with backoff and answered")
  func retries503() async throws {
    try await FaultServer.with { base, calls in
      let model = try Self.model(base + "/v2/models/flaky")
      defer { model.close() }
      #expect(try model.margins(Self.x, count: 5) == Self.expected(Self.x))
      #expect(calls.count("flaky") == 3)
    }
  }

  @Test("503 beyond the retries is an error naming the URL, the status and the batch")
  func retriesExhausted() async throws {
    try await FaultServer.with { base, _ in
      let model = try Self.model(base + "/v2/models/flaky", retries: 1)
      defer { model.close() }
      let error = try #require(throws: RemoteModelError.self) { try model.margins(Self.x, count: 5) }
      #expect(error.description.contains("the model at \(base)/v2/models/flaky answered HTTP 503"))
      #expect(error.description.contains("after 1 retry (batch 1 of 5 rows)"))
    }
  }

  @Test("a slow answer is a time-out naming the batch")
  func slow() async throws {
    try await FaultServer.with { base, _ in
      let model = try Self.model(base + "/v2/models/slow", timeout: 0.5)
      defer { model.close() }
      let error = try #require(throws: RemoteModelError.self) { try model.margins(Self.x, count: 5) }
      #expect(error.description.contains("did not answer within 0.5 seconds (batch 1 of 5 rows)"))
    }
  }

  @Test("malformed JSON, a missing value and NaN are errors, never results", arguments: [
    ("malformed", "answered malformed JSON"), ("short", "answered 4 values for 5 rows of 1"), ("nan", "not a finite number"),
  ])
  func badAnswers(route: String, expected: String) async throws {
    try await FaultServer.with { base, _ in
      let model = try Self.model(base + "/v2/models/\(route)")
      defer { model.close() }
      let error = try #require(throws: RemoteModelError.self) { try model.margins(Self.x, count: 5) }
      #expect(error.description.contains(expected), "\(error.description)")
      #expect(error.batch == 1)
    }
  }

  @Test("another status names the URL, the status and the first line of the body")
  func notFound() async throws {
    try await FaultServer.with { base, _ in
      let error = try #require(throws: RemoteModelError.self) { _ = try Self.model(base + "/v2/models/missing") }
      #expect(error.description == "the model at \(base)/v2/models/missing answered HTTP 404 Not Found: model missing not found")
    }
  }

  @Test("headers from a header file are sent; their values never appear in errors")
  func headers() async throws {
    try await FaultServer.with { base, _ in
      let model = try Self.model(base + "/v2/models/secured", headers: [("Authorization", FaultServer.secret)])
      defer { model.close() }
      #expect(try model.margins(Self.x, count: 5) == Self.expected(Self.x))
      let refused = try #require(throws: RemoteModelError.self) {
        _ = try Self.model(base + "/v2/models/secured", headers: [("Authorization", "Bearer wrong-token")])
      }
      #expect(refused.description.contains("HTTP 401"))
      #expect(!refused.description.contains("wrong-token"))
    }
    let parsed = try HTTPEndpoint.headers(fileText: "# token\nAuthorization: Bearer abc\n\nX-Team:  ml \n", path: "h.txt")
    #expect(parsed.map(\.name) == ["Authorization", "X-Team"])
    #expect(parsed.map(\.value) == ["Bearer abc", "ml"])
    let bad = try #require(throws: RemoteModelError.self) { _ = try HTTPEndpoint.headers(fileText: "Bearer secret-value\n", path: "h.txt") }
    #expect(bad.description == "the header file 'h.txt' line 1 is not 'Name: value'")
  }

  @Test("MLflow: dataframe_split in, predictions out, two probabilities read as log-odds")
  func mlflow() async throws {
    try await FaultServer.with { base, _ in
      let model = try Self.model(base + "/invocations", kind: .probability)
      defer { model.close() }
      #expect(model.outputCount == 1)
      let margins = try model.margins(Self.x, count: 5)
      for (got, want) in zip(margins, Self.expected(Self.x)) { #expect(abs(got - want) <= 1e-9) }
    }
  }

  @Test("connection refused fails within seconds naming the URL; so does a reset connection")
  func refusedAndReset() throws {
    let closedPort = try Self.unusedPort()
    let start = Date()
    let refused = try #require(throws: RemoteModelError.self) {
      _ = try Self.model("http://127.0.0.1:\(closedPort)/v2/models/m", retries: 2)
    }
    #expect(Date().timeIntervalSince(start) < 5)
    #expect(refused.description.contains("the model at http://127.0.0.1:\(closedPort)/v2/models/m could not be reached"))
    #expect(refused.kind == .unavailable)
    let (resetPort, stop) = try Self.resettingListener()
    defer { stop() }
    let reset = try #require(throws: RemoteModelError.self) {
      _ = try Self.model("http://127.0.0.1:\(resetPort)/v2/models/m", retries: 1)
    }
    #expect(reset.description.contains("could not be reached"), "\(reset.description)")
    #expect(reset.description.contains("after 1 retry"), "\(reset.description)")
  }

  @Test("URLs: protocol from the path, credentials never shown")
  func endpoints() throws {
    let v2 = try HTTPEndpoint(url: "https://user:pw@host:8080/v2/models/adult/", protocol: nil)
    #expect(v2.servingProtocol == .v2)
    #expect(v2.shownURL == "https://host:8080/v2/models/adult")
    let mlflow = try HTTPEndpoint(url: "http://h:5000", protocol: .mlflow)
    #expect(mlflow.url == "http://h:5000/invocations")
    #expect(throws: RemoteModelError.self) { _ = try HTTPEndpoint(url: "http://h:5000/predict", protocol: nil) }
    #expect(throws: RemoteModelError.self) { _ = try HTTPEndpoint(url: "ftp://h/v2/models/m", protocol: nil) }
  }

  /// A port nothing listens on.
  static func unusedPort() throws -> Int {
    let (port, stop) = try listener(accepting: false)
    stop()
    return port
  }

  /// A listener that accepts connections and closes them at once (with RST).
  static func resettingListener() throws -> (Int, () -> Void) { try listener(accepting: true) }

  static func listener(accepting: Bool) throws -> (Int, () -> Void) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    let port = Int(UInt16(bigEndian: address.sin_port))
    guard accepting else {
      close(fd)
      return (port, {})
    }
    listen(fd, 16)
    Thread.detachNewThread {
      while true {
        let client = accept(fd, nil, nil)
        if client < 0 { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(client)
      }
    }
    return (port, { shutdown(fd, Int32(SHUT_RDWR)); close(fd) })
  }
}
