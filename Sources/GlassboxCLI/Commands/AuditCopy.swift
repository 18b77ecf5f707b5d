import ArgumentParser
import GlassboxAudit
import GlassboxAuditStores

extension Audit {
  /// `glassbox audit copy`.
  struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "copy",
      abstract: "Copy a log into another, empty store (file, sqlite:PATH, postgres://...) byte for byte, and prove it: same head hash, same Merkle root.",
      discussion: """
        The source is verified first (a broken chain is not copied); the copy is written in one
        transaction or locked batch, verified, and compared with the source.
        """)

    @Argument(help: "The log to copy.")
    var source: String

    @Argument(help: "The empty log to copy into (created when absent).")
    var destination: String

    func run() throws {
      let from = try LogStoreRegistry.withDatabases.store(for: source)
      let to = try LogStoreRegistry.withDatabases.store(for: destination)
      let outcome = try AuditCopy.copy(from: from, to: to)
      let text = "copied \(outcome.lines) line(s) (\(outcome.records) record(s), \(outcome.checkpoints) checkpoint(s)) "
        + "from \(from.location) to \(to.location)\n"
        + "proven: both verify, with head sha256:\(AuditSchema.hex(outcome.head)) and root sha256:\(AuditSchema.hex(outcome.root))\n"
      let sink = try OutputSink(path: nil)
      try sink.write(text)
      try sink.commit()
    }
  }
}
