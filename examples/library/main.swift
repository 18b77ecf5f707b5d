// Streams a CSV to explanations (JSON Lines on standard output) with the glassbox
// library alone: the same pipeline `glassbox explain --data FILE --format json` runs.
//
//   swift build --product glassbox-library-example
//   .build/debug/glassbox-library-example models/adult-xgboost.json datasets/adult.csv
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxPipeline
import GlassboxReports

import Foundation

/// Writes one line to standard error.
func printError(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// Where the pipeline writes: standard output.
final class StandardOutput: TextOutput {
  func write(_ text: String) throws { print(text, terminator: "") }
  func flush() throws {}
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  printError("usage: glassbox-library-example MODEL CSV")
  exit(64)
}
do {
  // 1. The model, recognised by content (its card is read from <model>.card.json).
  let loaded = try ModelLoader.load(path: arguments[1])
  // 2. The explainer: `auto` picks linear SHAP or path-dependent TreeSHAP.
  let explainer = try ExplainerRegistry.make(ExplainerSetup(method: "auto"), model: loaded)
  // 3. A renderer from the output-format registry.
  let context = ReportContext(
    schema: loaded.schema, modelName: loaded.path, transform: loaded.model.transform,
    classNames: loaded.model.classNames, method: explainer.method)
  let renderer = ExplanationFormats.named("json")!.make(RenderSettings(context: context, style: TerminalStyle()))
  // 4. The batch pipeline: reads, checks and encodes rows, explains blocks on 2 threads,
  //    writes results in input order; rows with bad cells are reported and skipped.
  var options = BatchExplanation.Options()
  options.threads = 2
  let batch = try BatchExplanation(
    reader: try CSVReader(path: arguments[2]), schema: loaded.schema, explainer: explainer, renderer: renderer,
    options: options)
  let summary = try batch.run(into: StandardOutput()) { problem in printError("skipped: \(problem)") }
  printError("explained \(summary.explained) of \(summary.selected) rows")
  exit(summary.skipped == 0 ? 0 : 65)
} catch {
  printError("error: \(error)")
  exit(65)
}
