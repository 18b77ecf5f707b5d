import ArgumentParser
import GlassboxData
import GlassboxModels
import GlassboxReports

/// `glassbox inspect`: what a model is.
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Describe a model: kind, features, link, size.",
    discussion: "Example: glassbox inspect --model models/adult-logistic.json")

  @Option(help: "The model file.")
  var model: String?

  @Option(help: "A model card (default: the model's sidecar <name>.card.json when present).")
  var card: String?

  @Option(help: "Output format: table or json.")
  var format: InspectFormat = .table

  enum InspectFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

  @OptionGroup(title: "A model behind a command or a URL") var remoteOptions: RemoteModelOptions

  func validate() throws { try remoteOptions.validate(model: model) }

  func run() throws {
    let loaded = try remoteOptions.load(model: model, card: card)
    defer { RemoteModelOptions.finish(loaded, quiet: true) }
    let description = ModelDescription(loaded: loaded)
    let text = format == .json ? description.json() : description.table()
    let sink = try OutputSink(path: nil)
    try sink.write(text)
    try sink.commit()
  }
}
