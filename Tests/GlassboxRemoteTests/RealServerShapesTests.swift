import Foundation
import GlassboxRemote
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
