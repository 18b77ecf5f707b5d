import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxSystem
import ArgumentParser

/// The command-line flag of each parameter the library's messages name, so that an error
/// reads `--samples must be at least 2` on the command line.
enum FlagSpelling {
  /// Parameters whose flag is not the kebab-case of their name, and the rest for reference.
  static let flags: [Parameter: String] = [
    .rows: "--rows", .instance: "--instance", .label: "--label",
    .method: "--method", .samples: "--samples", .features: "--features", .stabilityRuns: "--stability",
    .kernelWidth: "--kernel-width", .background: "--background", .estimator: "--lime-estimator",
    .reference: "--reference", .failOn: "--fail-on", .positiveLabel: "--positive-label", .sensitive: "--sensitive",
  ]

  /// The flag that sets `parameter`: from the table, else `--` and its name in kebab case
  /// (`positiveLabel` → `--positive-label`; recorded explainer parameters in snake case:
  /// `feature_selection` → `--feature-selection`).
  static func flag(for parameter: Parameter) -> String {
    if let flag = flags[parameter] { return flag }
    var out = "--"
    for ch in parameter.name {
      if ch == "_" {
        out += "-"
      } else if ch.isUppercase {
        out += "-" + ch.lowercased()
      } else {
        out.append(ch)
      }
    }
    return out
  }
}

extension ParameterSpelling {
  /// Parameters spelled as the flags that set them.
  static let flags = ParameterSpelling(FlagSpelling.flag(for:))
}

extension ExpressibleByArgument where Self: CaseIterable, Self: RawRepresentable, RawValue == String {
  /// The raw values, as ArgumentParser's own default lists them (a string's description
  /// is the string), without its key path: instantiating a generic key path at start-up
  /// looks types up by name and scans the binary's protocol conformances, on every run.
  public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
}
