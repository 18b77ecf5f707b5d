import Foundation
import GlassboxRemote
import Synchronization
import Testing

/// Answers shaped as the real servers of Integration/remote-models send them.
@Suite("A model behind HTTP: metadata as MLServer sends it")
struct RealServerShapesTests {
  @Test("MLServer's pandas codec lists no inputs, only content_type pd: rows go one input per column")
  func pandasCodecFromModelParameters() async throws {
    try await FaultServer.with { base, calls in
      let model = try HTTPTransportTests.model(base + "/v2/models/pandas")
      defer { model.close() }
      let transport = try #require(model.transport as? HTTPTransport)
      #expect(transport.layout == .columns)
      #expect(transport.facts.contains { $0.key == "layout" && $0.value == "columns" })
      // The route refuses anything but one input per column, so equal answers mean columns went.
      #expect(try model.margins(HTTPTransportTests.x, count: 5) == HTTPTransportTests.expected(HTTPTransportTests.x))
      // No output shape in the metadata: one row scored first to learn the width, then the batch.
      #expect(transport.answerWidth == 1)
      #expect(calls.count("pandas") == 2)
    }
  }

  @Test("An explicit --layout tensor wins over the metadata's pandas codec")
  func explicitLayoutWins() async throws {
    try await FaultServer.with { base, _ in
      var settings = HTTPTransport.Settings()
      settings.layout = .tensor
      settings.retries = 0
      #expect(throws: RemoteModelError.self) {
        let transport = try HTTPTransport(
          endpoint: try HTTPEndpoint(url: base + "/v2/models/pandas", protocol: nil), schema: TestCommand.schema,
          settings: settings)
        transport.close()
      }
    }
  }
}

/// Groups of requests overlap up to --concurrency, so the server is not idle while the
/// explainers prepare the next group.
@Suite("A model behind HTTP: groups of requests in flight together")
struct RequestGroupOverlapTests {
  /// Two threads ask for one row each, the second 0.1 s after the first, while the server
  /// takes 1 s per request: the most requests the server saw at once.
  static func mostAtOnce(concurrency: Int) async throws -> Int {
    let most = Mutex(0)
    try await FaultServer.with { base, calls in
      let model = try HTTPTransportTests.model(base + "/v2/models/overlap", concurrency: concurrency)
      defer { model.close() }
      let first = Thread { _ = try? model.margins([1, 2, 3], count: 1) }
      first.start()
      usleep(100_000)
      #expect(try model.margins([4, 5, 6], count: 1) == HTTPTransportTests.expected([4, 5, 6]))
      while !first.isFinished { usleep(10_000) }
      let seen = calls.inFlight.withLock { $0.most }
      most.withLock { $0 = seen }
    }
    return most.withLock { $0 }
  }

  @Test("with --concurrency 4 a second group goes while the first is in flight")
  func overlapping() async throws {
    #expect(try await Self.mostAtOnce(concurrency: 4) == 2)
  }

  @Test("with --concurrency 1 the second group waits: one request at a time")
  func serial() async throws {
    #expect(try await Self.mostAtOnce(concurrency: 1) == 1)
  }
}
