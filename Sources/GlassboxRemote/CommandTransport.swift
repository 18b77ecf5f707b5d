import GlassboxData
import Synchronization

/// A model served by a long-lived command over glassbox's line protocol
/// (docs/model-protocol.md): started once, fed batches on its standard input, answering
/// on its standard output; its standard error passes through.
///
/// Batches go one at a time (the protocol is a single conversation); `RemoteModel` fills
/// each batch from every thread that is waiting for predictions.
public final class CommandTransport: ModelTransport, @unchecked Sendable {
  /// The command line, as given.
  public let command: String
  public let answerWidth: Int
  public let answerNames: [String]?
  private let schema: FeatureSchema
  private let process: ChildProcess
  private let timeout: Double?
  // One conversation at a time; `RemoteModel` already sends from one thread at a time.
  private let conversation = Mutex<LineReader>(LineReader(fd: -1))
  private let closed = Atomic<Bool>(false)

  public var source: String { "the model command '\(command)'" }

  public var facts: [(key: String, value: String)] {
    [("command", command), ("answers", "\(answerWidth) value\(answerWidth == 1 ? "" : "s") per row")]
  }

  /// Starts `command` and waits for its `ready` line (up to `startTimeout` seconds).
  /// - Parameters:
  ///   - schema: the features sent, in order, with the card's labels for categorical codes.
  ///   - timeout: seconds to wait for a batch's answers (nil: no limit).
  /// - Throws: `RemoteModelError` when the command cannot start, ends, or does not greet
  ///   as the protocol says; `.usage` when a feature name or label cannot be sent.
  public init(command: String, schema: FeatureSchema, timeout: Double?, startTimeout: Double = 120) throws {
    self.command = command
    self.schema = schema
    self.timeout = timeout
    let source = "the model command '\(command)'"
    if let bad = schema.names.first(where: { $0.isEmpty || $0.contains(where: { "\t\n\r".contains($0) }) }) {
      throw RemoteModelError(source: source, problem: "cannot be sent the feature name '\(bad)' (a tab, a line break or empty)", kind: .usage)
    }
    if let (feature, label) = LineProtocol.unsendableLabel(schema) {
      throw RemoteModelError(
        source: source, problem: "cannot be sent the label '\(label)' of '\(feature)' (a tab, a line break or empty)", kind: .usage)
    }
    process = try ChildProcess(command: command, source: source)
    var reader = LineReader(fd: process.output)
    let hello = LineProtocol.greeting + "\n" + schema.names.joined(separator: "\t") + "\n"
    let wrote = process.write(Array(hello.utf8))
    let answer = wrote ? reader.next(timeout: startTimeout) : .endOfFile
    var width = 0
    var names: [String]? = nil
    switch answer {
    case .line(let line):
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      if words.first == "ready", words.count >= 2, let k = Int(words[1]), k >= 1 {
        width = k
        let given = words.dropFirst(2).map(String.init)
        names = given.count == k ? given : nil
      } else {
        process.stop(grace: 1)
        throw RemoteModelError(
          source: source, problem: "did not start the protocol: its first line was '\(line.prefix(80))', not 'ready K'",
          stderrTail: process.lastErrorLines(wait: 0.5))
      }
    case .endOfFile:
      let ended = process.exitDescription(wait: 2) ?? "closed its standard output"
      throw RemoteModelError(
        source: source, problem: "\(ended) before it was ready", stderrTail: process.lastErrorLines(wait: 1))
    case .timedOut:
      process.stop(grace: 1)
      throw RemoteModelError(
        source: source, problem: "was not ready after \(Int(startTimeout)) seconds",
        stderrTail: process.lastErrorLines(wait: 0.5))
    }
    answerWidth = width
    answerNames = names
    conversation.withLock { $0 = reader }
  }

  public func evaluate(_ batches: [TransportBatch]) throws -> [[Double]] {
    try conversation.withLock { reader in
      try batches.map { try exchange($0, reader: &reader) }
    }
  }

  private func exchange(_ batch: TransportBatch, reader: inout LineReader) throws -> [Double] {
    func failure(_ problem: String, wait: Double = 0.2) -> RemoteModelError {
      RemoteModelError(
        source: source, batch: batch.number, batchRows: batch.count, problem: problem,
        stderrTail: process.lastErrorLines(wait: wait))
    }
    func ended() -> RemoteModelError {
      let how = process.exitDescription(wait: 2) ?? "closed its standard output"
      return failure(how, wait: 1)
    }
    guard !closed.load(ordering: .acquiring) else { throw failure("was already stopped") }
    guard process.write(LineProtocol.frame(number: batch.number, rows: batch.rows, count: batch.count, schema: schema))
    else { throw ended() }
    func line() throws -> String {
      switch reader.next(timeout: timeout) {
      case .line(let text): return text
      case .endOfFile: throw ended()
      case .timedOut: throw failure("did not answer within \(formatSeconds(timeout ?? 0)) seconds")
      }
    }
    let header = try line()
    let words = header.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
    if words.first == "error" {
      let message = words.count == 3 ? String(words[2]) : "(no message)"
      throw failure("reported an error: \(message)")
    }
    guard words.count == 3, words[0] == "outputs", Int(words[1]) == batch.number, Int(words[2]) == batch.count else {
      throw failure("answered '\(header.prefix(80))' where 'outputs \(batch.number) \(batch.count)' was expected")
    }
    var answers: [Double] = []
    answers.reserveCapacity(batch.count * answerWidth)
    for r in 0..<batch.count {
      let (values, problem) = LineProtocol.numbers(try line(), width: answerWidth)
      guard let values else { throw failure("\(problem ?? "answered a malformed line") (row \(r + 1) of the batch)") }
      answers += values
    }
    return answers
  }

  public func close() {
    if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
    process.stop()
  }
}

/// Seconds as "30" or "0.5".
func formatSeconds(_ seconds: Double) -> String {
  seconds == seconds.rounded() ? String(Int(seconds)) : "\(seconds)"
}
