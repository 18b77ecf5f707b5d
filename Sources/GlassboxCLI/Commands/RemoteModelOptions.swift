import ArgumentParser
import GlassboxData
import GlassboxModels
import GlassboxRemote
import GlassboxSystem

extension RemoteOutputKind: ExpressibleByArgument {}

/// Flags for a model glassbox does not hold: a command serving docs/model-protocol.md.
struct RemoteModelOptions: ParsableArguments {
  @Option(
    help: """
      A model behind a command instead of --model: started once with /bin/sh -c and fed batches of rows on \
      its standard input (docs/model-protocol.md); needs --card for the features it takes.
      """)
  var modelCommand: String?

  @Option(help: "With --model-command: what its answers are: probability, margin or value.")
  var outputKind: RemoteOutputKind = .probability

  @Option(help: "With --model-command: the most distinct rows sent in one batch.")
  var batchRows: Int = 1024

  @Option(help: "With --model-command: seconds to wait for the answers to one batch.")
  var timeout: Double = 300

  /// Checks the flags against `--model` (given or not) and `--audit`.
  func validate(model: String?, audit: String? = nil) throws {
    if model == nil && modelCommand == nil { throw ValidationError("give the model: --model FILE or --model-command CMD") }
    if model != nil && modelCommand != nil { throw ValidationError("give either --model or --model-command, not both") }
    if batchRows < 1 { throw ValidationError("--batch-rows must be at least 1") }
    if !(timeout > 0 && timeout.isFinite) { throw ValidationError("--timeout must be a positive number of seconds") }
    if modelCommand != nil && audit != nil {
      throw ValidationError("--audit records model files; it does not record a --model-command model yet")
    }
  }

  /// The model file at `model`, or the command's model described by `card`.
  ///
  /// A command's model ends the run at its first failure: the error is printed, temporary
  /// outputs are removed, and the process exits (69 for a transport failure).
  func load(model: String?, card: String?) throws -> LoadedModel {
    guard let modelCommand else { return try ModelLoader.load(path: model ?? "", cardPath: card) }
    guard let card else {
      throw ValidationError("--model-command needs --card: the card names the features the command takes, in order")
    }
    let modelCard = try ModelCard.load(path: card)
    let schema = FeatureSchema(names: modelCard.features.map(\.name), card: modelCard)
    let transport = try CommandTransport(command: modelCommand, schema: schema, timeout: timeout)
    let remote = RemoteModel(
      transport: transport, featureNames: schema.names, kind: outputKind, batchRows: batchRows,
      onFailure: { error in
        Terminal.printError("glassbox: error: \(error.describe(spelling: .flags))")
        TerminationSignals.exitQuietly(status: GlassboxMain.exitStatus(error.kind))
      })
    return LoadedModel(model: remote, path: modelCommand, format: "model-command", card: modelCard, cardPath: card)
  }

  /// Stops a command's model and, unless `quiet`, says on standard error how much work went
  /// through it.
  static func finish(_ loaded: LoadedModel, quiet: Bool) {
    guard let remote = loaded.model as? RemoteModel else { return }
    remote.close()
    if let failure = remote.failure {
      Terminal.printError("glassbox: error: \(failure.describe(spelling: .flags))")
      TerminationSignals.exitQuietly(status: GlassboxMain.exitStatus(failure.kind))
    }
    guard !quiet else { return }
    let s = remote.statistics
    Terminal.printError(
      "glassbox: model command: \(s.evaluations) row evaluation\(s.evaluations == 1 ? "" : "s") asked, \(s.rowsSent) distinct row\(s.rowsSent == 1 ? "" : "s") sent in \(s.batches) batch\(s.batches == 1 ? "" : "es")")
  }
}
