import ArgumentParser
import GlassboxAudit
import GlassboxAuditStores
import GlassboxData

/// `glassbox audit`: check, repair, replay and read audit logs written by `explain --audit`.
struct Audit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Verify, repair, replay, show and export audit logs; make keys.",
    discussion: """
      Examples:
        glassbox explain --model models/adult-logistic.json \\
          --data datasets/adult.csv --rows 0-99 --audit audit.log --out phi.jsonl
        glassbox audit verify audit.log
        glassbox audit witness audit.log --to /mnt/other/audit.witness
          # later: glassbox audit verify audit.log --witness /mnt/other/audit.witness
        glassbox audit replay audit.log --seq 7
        glassbox audit show audit.log --since 2026-09-01
        glassbox audit export audit.log --format csv --out attributions.csv
        glassbox audit keygen --out audit-key
          # then: explain ... --sign-key audit-key; verify --public-key audit-key.pub
        glassbox audit copy audit.log sqlite:audit.db
          # or postgres://user@host/db; proves the same head
        glassbox audit export sqlite:audit.db --format dsse --sign-key audit-key \\
          --out checkpoints.dsse.jsonl
      A log is a file path, sqlite:PATH, or postgres://USER@HOST[:PORT]/DB \
      (docs/audit-databases.md).
      The log format: docs/audit-log.md.
      """,
    subcommands: [Verify.self, Witness.self, Repair.self, Replay.self, Show.self, Export.self, Copy.self, Keygen.self])
}

extension Audit {
  /// `glassbox audit repair`.
  struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "repair",
      abstract: "Remove a torn last line (left by a crash mid-write), after saving the whole log as LOG.torn-<time>.",
      discussion: "Anything else wrong with the log is left as it is: repair refuses and says why.")

    @Argument(help: "The audit log.")
    var log: String

    func run() throws {
      let outcome = try AuditRepair.repair(store: LogStoreRegistry.withDatabases.store(for: log))
      let text: String
      if let backup = outcome.backupPath, let seq = outcome.seq {
        text = "\(log): removed the torn line of seq \(seq) (\(outcome.removedBytes) bytes); the log as it was is saved in \(backup)\n"
      } else {
        text = "\(log): its last line is whole; nothing to repair\n"
      }
      let sink = try OutputSink(path: nil)
      try sink.write(text)
      try sink.commit()
    }
  }

  /// Record filters shared by show and export.
  struct FilterOptions: ParsableArguments {
    @Option(help: "Records to keep: one seq or an inclusive range, e.g. 7 or 10-20.")
    var seq: String?

    @Option(help: "Keep records at or after this UTC time or prefix (2026-09-01, 2026-09-01T10:15).")
    var since: String?

    @Option(help: "Keep records up to this UTC time or prefix, inclusive.")
    var until: String?

    @Option(help: "Keep records whose model path contains this text, or whose model SHA-256 starts with it.")
    var model: String?

    func validate() throws {
      _ = try seqRange()
      _ = try filter
    }

    func seqRange() throws -> ClosedRange<Int>? { try seq.map(Audit.seqRange) }

    /// The filter; times are checked as ISO 8601 UTC times or prefixes of one.
    var filter: AuditFilter {
      get throws {
        let from = try since.map { (t: String) throws(AuditError) in try AuditTimeBound.parse(t, option: "--since") }
        let to = try until.map { (t: String) throws(AuditError) in try AuditTimeBound.parse(t, option: "--until") }
        if let from, let to, from > to {
          throw ValidationError("--since \(from) is after --until \(to): no record can match")
        }
        return AuditFilter(seqs: try seqRange(), since: from, until: to, model: model)
      }
    }

    /// The records of `log` the filters keep; a note on stderr when none does.
    func records(of log: String) throws -> [RecordedExplanation] {
      try Audit.records(of: log, filter: filter)
    }
  }

  /// `--seq`: one seq or an inclusive range such as 10-20.
  static func seqRange(_ text: String) throws -> ClosedRange<Int> {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count <= 2, let low = Int(parts[0]), let high = Int(parts.last ?? ""), low >= 1, low <= high else {
      throw ValidationError("--seq takes a seq or an inclusive range such as 10-20")
    }
    return low...high
  }

  /// The records of `log` that `filter` keeps, with a note on stderr when it keeps none.
  /// - Throws: `AuditError.invalidFilter` when `--seq` lies outside the log.
  static func records(of log: String, filter: AuditFilter) throws -> [RecordedExplanation] {
    let all = try RecordedExplanation.readAll(from: LogStoreRegistry.withDatabases.store(for: log))
    let kept = try filter.apply(to: all, log: log)
    if kept.isEmpty { Terminal.printError("glassbox: " + filter.describeEmpty(log, total: all.count)) }
    return kept
  }

  /// `glassbox audit show`.
  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "List a log's records as a table or JSON: seq, time, model, row, prediction, reasons.")

    @Argument(help: "The audit log.")
    var log: String

    @Option(help: "table or json (the same fields, typed, one record per line).")
    var format: ShowFormat = .table

    enum ShowFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var filters: FilterOptions

    func run() throws {
      let records = try filters.records(of: log)
      let sink = try OutputSink(path: nil)
      try sink.write(format == .json ? AuditRenderers.showJSON(records) : AuditRenderers.table(records))
      try sink.commit()
    }
  }

  /// `glassbox audit export`.
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Export the attribution tables: CSV (one line per record and feature) or JSON Lines (one object per record); "
        + "or the checkpoints as signed DSSE envelopes (dsse).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl, dsse }

    @Argument(help: "The audit log.")
    var log: String

    @Option(help: "csv, jsonl, or dsse (one DSSE envelope with an in-toto statement per checkpoint; needs --sign-key).")
    var format: Format = .csv

    @Option(help: "With --format dsse: the Ed25519 private key that signed the checkpoints; it signs the envelopes.")
    var signKey: String?

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var out: String?

    @Flag(help: "CSV without its header line.")
    var noHeader = false

    @OptionGroup var filters: FilterOptions

    func validate() throws {
      if (format == .dsse) != (signKey != nil) { throw ValidationError("--format dsse and --sign-key go together") }
    }

    func run() throws {
      if format == .dsse, let signKey {
        let envelopes = try AuditDSSE.export(store: LogStoreRegistry.withDatabases.store(for: log), key: AuditSigningKey(path: signKey))
        let sink = try OutputSink(path: out)
        try sink.write(String(decoding: envelopes, as: UTF8.self))
        try sink.commit()
        return
      }
      let records = try filters.records(of: log)
      let sink = try OutputSink(path: out)
      switch format {
      case .csv:
        if !noHeader { try sink.write(AuditRenderers.csvHeader) }
        try sink.write(AuditRenderers.csv(records))
      case .jsonl:
        try sink.write(AuditRenderers.jsonLines(records))
      case .dsse:
        break
      }
      try sink.commit()
    }
  }

  /// `glassbox audit keygen`.
  struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "keygen",
      abstract: "Make an Ed25519 key pair for signed checkpoints (PATH, mode 0600, and PATH.pub), or an HMAC redaction key.",
      discussion: "Keys are never overwritten. Formats: docs/audit-log.md.")

    @Option(help: "Where to write the key: the private key (mode 0600); the public key goes to <out>.pub.")
    var out: String

    @Flag(help: "Make a 32-byte HMAC-SHA256 key for --redact-key instead of a signing pair.")
    var redaction = false

    func run() throws {
      let text: String
      if redaction {
        try AuditKeyFile.generateRedactionKey(path: out)
        text = "wrote the redaction key \(out) (mode 0600); keep it away from the log\n"
      } else {
        let id = try AuditKeyFile.generateSigningPair(privatePath: out, publicPath: out + ".pub")
        text = "wrote the private key \(out) (mode 0600) and the public key \(out).pub (key id \(id))\n"
      }
      let sink = try OutputSink(path: nil)
      try sink.write(text)
      try sink.commit()
    }
  }
}
