import ArgumentParser
import GlassboxAudit
import GlassboxAuditStores
import GlassboxData

extension Audit {
  /// `glassbox audit verify`.
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Check a log's hash chain, seq order, checkpoints and records; exit 1 naming the first bad seq.",
      discussion: """
        Exit status: 0 intact; 1 the log was altered or damaged (changed, deleted, inserted,
        duplicated, reordered or torn record, bad checkpoint or signature, unsealed or truncated
        log, replayed record_id, a writer's time going back); 2 a record's content is wrong
        (additivity, a sensitive value in clear).
        The output says what was proven and what was not. The chain alone cannot show that a log
        was cut short or rewritten whole: --public-key demands a seal, and --witness, --head,
        --checkpoint or --expect-at-least bring what the log held earlier.
        Threat model: docs/audit-log.md.
        """)

    @Argument(help: "The audit log.")
    var log: String

    @Option(help: "An Ed25519 public key (from 'glassbox audit keygen'): the log must be sealed by it (a valid checkpoint, no record after the last one).")
    var publicKey: String?

    @Flag(help: "With --public-key: accept records after the last checkpoint (a run still going, or killed), reported as unsealed.")
    var allowUnsealedTail = false

    @Option(help: "A file holding a checkpoint line copied from the log earlier: the log must still hold the lines it covers.")
    var checkpoint: String?

    @Option(help: "A witness file (from 'glassbox audit witness'): every head in it must be a prefix of the log (RFC 6962 consistency proof).")
    var witness: String?

    @Option(help: "A line hash sha256:<hex> (a witnessed head): the log must hold that line.")
    var head: String?

    @Option(help: "The least number of records the log must hold.")
    var expectAtLeast: Int?

    @Option(help: "The model card: its sensitive features must not be stored in clear (default: each record's own redaction list).")
    var card: String?

    func validate() throws {
      if allowUnsealedTail && publicKey == nil { throw ValidationError("--allow-unsealed-tail applies to --public-key") }
      if let head, WitnessedHead.hash(head) == nil { throw ValidationError("--head takes sha256:<64 hex digits>, as 'glassbox audit witness' prints") }
      if let expectAtLeast, expectAtLeast < 0 { throw ValidationError("--expect-at-least must be 0 or more") }
    }

    func run() throws {
      var policy = VerifyPolicy(allowUnsealedTail: allowUnsealedTail, expectAtLeast: expectAtLeast, head: WitnessedHead.hash(head))
      policy.publicKey = try publicKey.map { (p: String) throws(AuditError) in try AuditPublicKey(path: p) }
      policy.external = try checkpoint.map { (p: String) throws(AuditError) in try Checkpoint.load(path: p) }
      policy.witnesses = try witness.map { (p: String) throws(AuditError) in try WitnessedHead.load(path: p) } ?? []
      policy.sensitiveFeatures = try card.map { (p: String) throws(DataError) in try VerifyPolicy.sensitiveFeatures(ofCardAt: p) }
      let report = try AuditVerifier.verify(store: LogStoreRegistry.withDatabases.store(for: log), policy: policy)
      let sink = try OutputSink(path: nil)
      try sink.write(VerifyStatement.render(report, policy: policy, log: log))
      try sink.commit()
      if report.failure != nil { throw ExitCode(1) }
      if report.semanticFailure != nil { throw ExitCode(2) }
    }
  }

  /// `glassbox audit witness`.
  struct Witness: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "witness",
      abstract: "Append the log's current head (lines, records, Merkle root, last line hash, time) to a witness file kept elsewhere.",
      discussion: """
        Keep the witness file where the log's writers cannot change it (another host, a
        write-once bucket, a database, a ticket). 'glassbox audit verify LOG --witness FILE'
        then proves every witnessed head is still a prefix of the log, so a cut or rewritten
        log fails. A log whose chain is broken is not witnessed.
        """)

    @Argument(help: "The audit log.")
    var log: String

    @Option(help: "The witness file to append the head to (created when absent); '-' prints the witness line instead, to send elsewhere.")
    var to: String

    func run() throws {
      let text: String
      switch try AuditWitness.head(of: LogStoreRegistry.withDatabases.store(for: log), name: log) {
      case .refused(let failure):
        Terminal.printError("glassbox: \(log): not witnessed: \(failure.message)")
        throw ExitCode(1)
      case .head(let head) where to == "-":
        text = String(decoding: head.line, as: UTF8.self)
      case .head(let head):
        try head.append(toFile: to)
        text = "\(log): witnessed \(head.treeSize) line(s) (\(head.records) record(s)) at \(head.time) in \(to)\n"
          + "root sha256:\(AuditSchema.hex(head.root))\nhead \(head.headText)\n"
      }
      let sink = try OutputSink(path: nil)
      try sink.write(text)
      try sink.commit()
    }
  }
}
