import GlassboxSystem
import ArgumentParser
import GlassboxData
import GlassboxNumerics

/// The `glassbox` command.
public struct Glassbox: ParsableCommand {
  public static let version = "0.1.0"

  public static let configuration = CommandConfiguration(
    commandName: "glassbox",
    abstract: "Explain predictions of tabular models: exact SHAP values from the shell.",
    discussion: """
      Examples:
        glassbox explain --model models/adult-logistic.json \\
          --data datasets/adult.csv --rows 0
        glassbox explain --model models/adult-logistic.json \\
          --data datasets/adult.csv --format csv --out phi.csv
        glassbox inspect --model models/adult-logistic.json

      Exit status:
        0   done
        1   a check failed (check --strict, audit verify, audit replay)
        2   a gate was breached (bias --fail-on; audit verify --card semantics)
        64  usage mistake: a command, a flag or its value
        65  bad data: a cell, a model file, an audit log
        66  an input file is missing
        69  unavailable: not enough memory for the model, a server down
        70  internal error (please report it with the command)
        73  cannot create the output file
        74  I/O error (for example a full disk)
      """,
    version: version,
    subcommands: [Explain.self, Inspect.self, Check.self, Audit.self, Bias.self, Summary.self, Report.self])

  public init() {}
}

/// Runs the command line and maps failures to one line on stderr and a sysexits status.
public enum GlassboxMain {
  public static func run(arguments: [String]? = nil) -> Never {
    // glassbox parallelizes over rows itself; OpenBLAS stays on one thread so results
    // do not depend on its threading.
    BLASRuntime.setThreads(1)
    // An interrupted run removes its temporary output files and says so.
    TerminationSignals.install()
    let given = arguments ?? Array(CommandLine.arguments.dropFirst())
    let command: ParsableCommand
    do {
      command = try Glassbox.parseAsRoot(arguments)
    } catch {
      // Help and version requests end cleanly; usage mistakes print one line.
      let status = Glassbox.exitCode(for: error)
      if status == .success { Glassbox.exit(withError: error) }
      let message = negativeNumberMessage(given) ?? UsageSuggestions.message(for: given)
        ?? Glassbox.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
      let help = UsageSuggestions.helpCommand(for: given)
      Terminal.printError("glassbox: error: \(message.replacingErrorPrefix()) (see '\(help)')")
      exit(status.rawValue == 1 ? 64 : status.rawValue)
    }
    do {
      var mutable = command
      try mutable.run()
      exit(0)
    } catch let error as ExitCode {
      exit(error.rawValue)
    } catch is OutputClosed {
      TerminationSignals.exitQuietly(status: 128 + SIGPIPE)
    } catch let error as UserFacingError {
      // Library messages name parameters; on the command line they are flags.
      Terminal.printError("glassbox: error: \(error.describe(spelling: .flags))")
      exit(exitStatus(error.kind))
    } catch let error as ValidationError {
      Terminal.printError("glassbox: error: \(error.message)")
      exit(64)
    } catch let error as LinearAlgebraError {
      Terminal.printError("glassbox: error: \(error.description)")
      exit(65)
    } catch {
      // ArgumentParser's own signals (help, version, clean exits) end as it intends.
      if Glassbox.exitCode(for: error) == .success { Glassbox.exit(withError: error) }
      Terminal.printError("glassbox: internal error: \(error); please report it with the command that caused it")
      exit(70)
    }
  }

  /// For an option given a negative number (`--top -1`), which the parser reads as a flag
  /// and reports as a missing value: a message that says what happened.
  static func negativeNumberMessage(_ arguments: [String]) -> String? {
    for (option, value) in zip(arguments, arguments.dropFirst()) where option.hasPrefix("--") {
      guard value.hasPrefix("-"), value.count > 1, Double(value) != nil else { continue }
      return option == "--rows"
        ? "--rows takes zero-based row indices (0 or more), got \(value)"
        : "\(option) does not take a negative number, got \(value)"
    }
    return nil
  }

  static func exitStatus(_ kind: FailureKind) -> Int32 {
    switch kind {
    case .usage: 64
    case .data: 65
    case .noInput: 66
    case .unavailable: 69
    case .cannotCreate: 73
    case .io: 74
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif

extension String {
  /// ArgumentParser's messages start with "Error: "; glassbox prints its own prefix.
  func replacingErrorPrefix() -> String { hasPrefix("Error: ") ? String(dropFirst(7)) : self }
}
