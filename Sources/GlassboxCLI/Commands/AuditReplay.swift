import ArgumentParser
import GlassboxAudit
import GlassboxPipeline

extension Audit {
  /// `glassbox audit replay`: re-runs recorded explanations and compares them bit for bit.
  struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "replay",
      abstract: "Re-run recorded explanations from the recorded model and data; report identical, or the largest difference.",
      discussion: """
        The model, card, background and data file must still have their recorded SHA-256 (checked first).
        A row read from a file is re-read by its index; a row read from standard input or given with
        --instance is re-explained from its recorded input values, which is impossible when sensitive
        values were omitted or hashed. A model behind a command is started again (its script is hashed
        again) and a model behind a URL is queried again (its name and version read again); a changed
        script or version is reported as a difference. Exit status 1 when any record differs or cannot be
        replayed.
        """)

    @Argument(help: "The audit log.")
    var log: String

    @Option(help: "Replay only this seq, or an inclusive range such as 10-20.")
    var seq: String?

    @Option(help: "The redaction key the log was written with: hashed sensitive inputs are then checked against the data.")
    var redactKey: String?

    @Option(help: "Request headers for a recorded --model-url model, one 'Name: value' per line (records never hold them); never printed.")
    var headerFile: String?

    func run() throws {
      let filter = AuditFilter(seqs: try seq.map(Audit.seqRange))
      let redactor = try redactKey.map { (p: String) throws(AuditError) in try Redactor(path: p) }
      let records = try Audit.records(of: log, filter: filter)
      // A replay that replayed nothing proved nothing: say so in the status.
      if records.isEmpty { throw ExitCode(1) }
      let remoteModels = RemoteModelOptions.ReplayModels(headerFile: headerFile)
      defer { remoteModels.closeAll() }
      let results = try AuditReplayer.replayAll(records, redactor: redactor, loadRemote: remoteModels.load) {
        $0.describe(spelling: .flags)
      }
      let sink = try OutputSink(path: nil)
      try sink.write(AuditReplay.render(results))
      try sink.commit()
      if results.contains(where: { $0.status != .identical }) { throw ExitCode(1) }
    }
  }
}
