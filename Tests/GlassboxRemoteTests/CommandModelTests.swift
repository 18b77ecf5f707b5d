import Dispatch
import GlassboxNumerics
import Foundation
import GlassboxData
import GlassboxModels
import GlassboxRemote
import GlassboxTestSupport
import Testing

@Suite("A model behind a command")
struct CommandModelTests {
  /// Seeded rows on a coarse grid (so duplicates occur), some cells missing.
  func rows(_ count: Int, seed: UInt64) -> [Double] {
    var rng = Xoshiro256StarStar(seed: seed)
    return (0..<(count * 3)).map { _ in
      let u = rng.nextUnitDouble()
      return u < 0.05 ? .nan : (u * 8).rounded(.down) * 0.25 - 1
    }
  }

  @Test("answers equal the function computed locally, missing cells included")
  func answersMatch() throws {
    let model = try TestCommand.model()
    defer { model.close() }
    let x = rows(300, seed: 1)
    let margins = try model.margins(x, count: 300)
    for r in 0..<300 {
      let expected = TestCommand.f(x[3 * r], x[3 * r + 1], x[3 * r + 2])
      #expect(abs(margins[r] - expected) <= 1e-12 * max(1, abs(expected)), "row \(r)")
    }
    #expect(model.outputCount == 1)
    #expect(model.transform == .identity)
  }

  @Test("duplicate rows are sent once and batches hold at most batchRows rows")
  func deduplicatesAndSplits() throws {
    let model = try TestCommand.model(batchRows: 7)
    defer { model.close() }
    let base = rows(20, seed: 2)
    let x = base + base + base  // every row three times
    let margins = try model.margins(x, count: 60)
    #expect(Array(margins[0..<20]) == Array(margins[20..<40]))
    let distinct = Set((0..<20).map { r in base[(3 * r)..<(3 * r + 3)].map(\.bitPattern) }).count
    let s = model.statistics
    #expect(s.evaluations == 60)
    #expect(s.rowsSent == distinct)
    #expect(s.batches == (distinct + 6) / 7)
  }

  @Test("requests from many threads are served together and each gets its own rows")
  func parallelRequests() throws {
    let model = try TestCommand.model(batchRows: 64)
    defer { model.close() }
    let inputs = (0..<16).map { rows(25, seed: 100 + UInt64($0)) }
    let results = Results(count: inputs.count)
    DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
      results.set(i, (try? model.margins(inputs[i], count: 25)) ?? [])
    }
    for (i, x) in inputs.enumerated() {
      let got = results.get(i)
      try #require(got.count == 25)
      for r in 0..<25 { #expect(abs(got[r] - TestCommand.f(x[3 * r], x[3 * r + 1], x[3 * r + 2])) <= 1e-12 * max(1, abs(got[r]))) }
    }
    #expect(model.statistics.evaluations == 16 * 25)
    #expect(model.statistics.batches <= 16 * 25)
  }

  @Test("two probabilities per row are read as the log-odds of the second, with class names")
  func probabilities() throws {
    let model = try TestCommand.model("proba", kind: .probability)
    defer { model.close() }
    let x = rows(50, seed: 3)
    let margins = try model.margins(x, count: 50)
    for r in 0..<50 {
      let expected = TestCommand.f(x[3 * r], x[3 * r + 1], x[3 * r + 2])
      // σ and logit through 17-digit text: the round trip loses about 1e-15 · e^|f|.
      #expect(abs(margins[r] - expected) <= 1e-9, "row \(r)")
    }
    #expect(model.outputCount == 1)
    #expect(model.transform == .logistic)
    #expect(model.classNames == ["no", "yes"])
  }

  @Test("a command that dies names itself, the batch, its status and its last stderr line; later calls fail too")
  func dies() throws {
    let model = try TestCommand.model("die", batchRows: 10)
    defer { model.close() }
    let x = rows(30, seed: 4)
    do {
      _ = try model.margins(Array(x[0..<30]), count: 10)
      _ = try model.margins(Array(x[30..<90]), count: 20)
      Issue.record("no error")
    } catch {
      #expect(error.batch == 2)
      #expect(error.kind == .unavailable)
      #expect(error.description.contains("the model command '\(TestCommand.command("die"))'"))
      #expect(error.description.contains("exited with status 3"))
      #expect(error.stderrTail == ["boom"])
    }
    #expect(model.failure != nil)
    #expect(throws: RemoteModelError.self) { try model.margins(Array(x[0..<3]), count: 1) }
    var out = [Double](repeating: 0, count: 1)
    Array(x[0..<3]).withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { model.predictMargins(r, count: 1, into: $0) } }
    #expect(out[0].isNaN)
  }

  @Test("malformed answers are errors naming the batch", arguments: [
    ("garbage", "not a number"), ("nan", "not a finite number"), ("short", "answered 0 values"),
    ("wrongid", "where 'outputs 1 5' was expected"), ("error", "reported an error: the model cannot score this"),
  ])
  func malformed(mode: String, expected: String) throws {
    let model = try TestCommand.model(mode)
    defer { model.close() }
    let error = try #require(throws: RemoteModelError.self) { try model.margins(rows(5, seed: 5), count: 5) }
    #expect(error.batch == 1)
    #expect(error.batchRows == 5)
    #expect(error.description.contains(expected), "\(error.description)")
  }

  @Test("a batch not answered in time is an error naming the batch")
  func timeout() throws {
    let model = try TestCommand.model("sleep", timeout: 0.5)
    defer { model.close() }
    let start = Date()
    let error = try #require(throws: RemoteModelError.self) { try model.margins(rows(2, seed: 6), count: 2) }
    #expect(Date().timeIntervalSince(start) < 2.5)
    #expect(error.description.contains("did not answer within 0.5 seconds (batch 1 of 2 rows)"))
  }

  @Test("a command that never says ready, or cannot run, fails at start")
  func startFailures() throws {
    let mute = try #require(throws: RemoteModelError.self) {
      _ = try CommandTransport(command: TestCommand.command("mute"), schema: TestCommand.schema, timeout: 1, startTimeout: 0.5)
    }
    #expect(mute.description.contains("was not ready after"))
    let missing = try #require(throws: RemoteModelError.self) {
      _ = try CommandTransport(command: "exec /nonexistent/predict", schema: TestCommand.schema, timeout: 1, startTimeout: 5)
    }
    #expect(missing.description.contains("exited with status 127 before it was ready"))
    #expect(missing.stderrTail.contains { $0.contains("/nonexistent/predict") })
  }

  @Test("closing stops the command, even one that ignores SIGTERM; later batches are refused")
  func closeStops() throws {
    let transport = try CommandTransport(command: "trap '' TERM; " + TestCommand.command("plain"), schema: TestCommand.schema, timeout: 1)
    let facts = Dictionary(uniqueKeysWithValues: transport.facts)
    #expect(facts["command"]?.contains("awk") == true)
    transport.close()
    #expect(throws: RemoteModelError.self) {
      _ = try transport.evaluate([TransportBatch(number: 1, rows: [1, 2, 3][...], count: 1)])
    }
  }
}

/// Results written by concurrent workers.
final class Results: @unchecked Sendable {
  private var values: [[Double]]
  private let lock = NSLock()
  init(count: Int) { values = Array(repeating: [], count: count) }
  func set(_ i: Int, _ v: [Double]) { lock.withLock { values[i] = v } }
  func get(_ i: Int) -> [Double] { lock.withLock { values[i] } }
}
