import ArgumentParser
import GlassboxData
import GlassboxModels
import GlassboxRemote
import GlassboxSystem

extension RemoteOutputKind: ExpressibleByArgument {}
extension ServingProtocol: ExpressibleByArgument {}
extension TensorLayout: ExpressibleByArgument {}

/// Flags for a model glassbox does not hold: a command serving docs/model-protocol.md, or
/// an HTTP endpoint (Open Inference Protocol v2, MLflow).
struct RemoteModelOptions: ParsableArguments {
  @Option(
    help: """
      A model behind a command instead of --model: started once with /bin/sh -c and fed batches of rows on \
      its standard input (docs/model-protocol.md); needs --card for the features it takes.
      """)
  var modelCommand: String?

  @Option(
    help: """
      A model behind HTTP instead of --model: http(s)://HOST/v2/models/NAME (Open Inference Protocol v2: \
      KServe, MLServer, Triton) or http(s)://HOST/invocations (MLflow); needs --card.
      """)
  var modelUrl: String?

  @Option(name: .customLong("protocol"), help: "With --model-url: v2 or mlflow (default: from the URL's path).")
  var servingProtocol: ServingProtocol?

  @Option(help: "With --model-command or --model-url: what the answers are: probability, margin or value.")
  var outputKind: RemoteOutputKind = .probability

  @Option(help: "With --model-command or --model-url: the most distinct rows sent in one batch.")
  var batchRows: Int = 1024

  @Option(help: "With --model-command or --model-url: seconds to wait for the answers to one batch (default: 300, 60 for a URL).")
  var timeout: Double?

  @Option(help: "With --model-url: requests in flight at once (explain and bias work on at least twice as many rows at a time).")
  var concurrency: Int = 4

  @Option(help: "With --model-url: retries of a batch after a connection error, 429 or 503 (exponential backoff with jitter).")
  var retries: Int = 4

  @Option(help: "With --model-url: request headers, one 'Name: value' per line (e.g. Authorization); never printed or recorded.")
  var headerFile: String?

  @Option(help: "With --model-url and v2: tensor (one [n, features] input) or columns (one input per feature, MLServer's pandas codec); default: from the metadata.")
  var layout: TensorLayout?

  @Option(help: "With --model-url and v2: the output to read (default: the first), e.g. predict_proba.")
  var outputName: String?

  /// Rows explained at once for a model behind a command or a URL (nil for a model file):
  /// twice the groups of requests that may be in flight (`--concurrency` for a URL, one for
  /// a command), so that while some workers wait for answers, the others fill the next
  /// batches. Such workers mostly wait, so they may outnumber the cores (`parallelFor` then
  /// gives each a thread). Results do not depend on it.
  var explainingThreads: Int? {
    if modelUrl != nil { return 2 * max(1, concurrency) }
    return modelCommand != nil ? 2 : nil
  }

  /// The row workers of a run: `--threads` (default: the cores), raised to
  /// `explainingThreads` for a model behind a command or a URL.
  func workers(threads: Int?) -> Int {
    max(threads ?? Terminal.cores(), explainingThreads ?? 1)
  }

  /// Checks the flags against `--model` (given or not). `--audit` records a remote model
  /// too (`RemoteModelReference`); `audit` is accepted for the callers that pass it.
  func validate(model: String?, audit: String? = nil) throws {
    let given = [model, modelCommand, modelUrl].compactMap { $0 }.count
    if given == 0 { throw ValidationError("give the model: --model FILE, --model-command CMD or --model-url URL") }
    if given > 1 { throw ValidationError("give one of --model, --model-command and --model-url") }
    if batchRows < 1 { throw ValidationError("--batch-rows must be at least 1") }
    if let timeout, !(timeout > 0 && timeout.isFinite) { throw ValidationError("--timeout must be a positive number of seconds") }
    if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    if retries < 0 { throw ValidationError("--retries must be 0 or more") }
    if modelUrl == nil && (servingProtocol != nil || headerFile != nil || layout != nil || outputName != nil) {
      throw ValidationError("--protocol, --header-file, --layout and --output-name apply to --model-url")
    }
  }

  /// The model file at `model`, or the command's model described by `card`.
  ///
  /// A command's model ends the run at its first failure: the error is printed, temporary
  /// outputs are removed, and the process exits (69 for a transport failure).
  func load(model: String?, card: String?) throws -> LoadedModel {
    guard modelCommand != nil || modelUrl != nil else { return try ModelLoader.load(path: model ?? "", cardPath: card) }
    let flag = modelCommand != nil ? "--model-command" : "--model-url"
    guard let card else {
      throw ValidationError("\(flag) needs --card: the card names the features the model takes, in order")
    }
    let modelCard = try ModelCard.load(path: card)
    let schema = FeatureSchema(names: modelCard.features.map(\.name), card: modelCard)
    let transport: any ModelTransport
    let path: String
    let format: String
    if let modelCommand {
      transport = try CommandTransport(command: modelCommand, schema: schema, timeout: timeout ?? 300)
      (path, format) = (modelCommand, "model-command")
    } else {
      let endpoint = try HTTPEndpoint(url: modelUrl ?? "", protocol: servingProtocol)
      var settings = HTTPTransport.Settings()
      settings.concurrency = concurrency
      settings.timeout = timeout ?? 60
      settings.retries = retries
      settings.layout = layout
      settings.outputName = outputName
      if let headerFile {
        let text = try ByteSource.contents(of: headerFile)
        settings.headers = try HTTPEndpoint.headers(fileText: String(decoding: text, as: UTF8.self), path: headerFile)
      }
      transport = try HTTPTransport(endpoint: endpoint, schema: schema, settings: settings)
      (path, format) = (endpoint.shownURL, "model-url-\(endpoint.servingProtocol.rawValue)")
    }
    let remote = RemoteModel(
      transport: transport, featureNames: schema.names, kind: outputKind, batchRows: batchRows,
      onFailure: { error in
        Terminal.printError("glassbox: error: \(error.describe(spelling: .flags))")
        TerminationSignals.exitQuietly(status: GlassboxMain.exitStatus(error.kind))
      })
    return LoadedModel(model: remote, path: path, format: format, card: modelCard, cardPath: card)
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
      "glassbox: \(loaded.format == "model-command" ? "model command" : "model URL"): \(s.evaluations) row evaluation\(s.evaluations == 1 ? "" : "s") asked, \(s.rowsSent) distinct row\(s.rowsSent == 1 ? "" : "s") sent in \(s.batches) batch\(s.batches == 1 ? "" : "es")")
  }
}
