import ArgumentParser
import GlassboxAudit
import GlassboxData
import GlassboxModels
import GlassboxPipeline
import GlassboxRemote
import GlassboxSystem

/// Which file a model command runs, so that its SHA-256 goes into audit records.
///
/// The rule (docs/audit-log.md): the command line is split into words as the shell splits
/// them (quotes and backslashes honoured; the words stop at the first unquoted `|`, `;`, `&`,
/// `<` or `>`); leading `NAME=value` assignments are skipped; the next word is the
/// interpreter. The script is the first later word that does not start with `-` and names
/// an existing regular file (relative to the working directory). When no later word does,
/// the interpreter word itself, if it names a regular file (`./serve.sh`). Otherwise the
/// command has no script and its records hold no hash.
enum CommandScript {
  /// The path of the script `command` runs, by the rule above, or nil.
  static func find(in command: String) -> String? {
    var words = shellWords(command)
    while let first = words.first, isAssignment(first) { words.removeFirst() }
    guard let interpreter = words.first else { return nil }
    for word in words.dropFirst() where !word.hasPrefix("-") && isRegularFile(word) { return word }
    return isRegularFile(interpreter) ? interpreter : nil
  }

  /// The words of `command` up to its first unquoted shell operator.
  static func shellWords(_ command: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quote: Character? = nil
    var escaped = false
    for c in command {
      if escaped {
        current.append(c)
        escaped = false
        continue
      }
      if let q = quote {
        if c == q {
          quote = nil
        } else if c == "\\" && q == "\"" {
          escaped = true
        } else {
          current.append(c)
        }
        continue
      }
      switch c {
      case "\\": escaped = true; inWord = true
      case "'", "\"": quote = c; inWord = true
      case " ", "\t", "\n":
        if inWord { words.append(current) }
        current = ""
        inWord = false
      case "|", ";", "&", "<", ">":
        if inWord { words.append(current) }
        return words
      default:
        current.append(c)
        inWord = true
      }
    }
    if inWord { words.append(current) }
    return words
  }

  static func isAssignment(_ word: String) -> Bool {
    guard let eq = word.firstIndex(of: "="), eq > word.startIndex else { return false }
    return word[..<eq].allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
  }

  static func isRegularFile(_ path: String) -> Bool {
    FileDescriptor.status(of: path)?.isRegularFile ?? false
  }
}

extension RemoteModelOptions {
  /// The audit record's description of `loaded` when it is a remote model (nil for a file):
  /// the command and its script's hash, or the endpoint (without user name, password and
  /// query, which may carry a token) and the server's name and version of the model.
  /// - Throws: `AuditError.cannotRead` when the script cannot be read.
  static func auditReference(_ loaded: LoadedModel) throws -> RemoteModelReference? {
    guard let remote = loaded.model as? RemoteModel else { return nil }
    let kind = remote.kind.rawValue
    if let command = remote.transport as? CommandTransport {
      let script = try CommandScript.find(in: command.command).map { (p: String) throws(AuditError) in try FileReference.hashing(p) }
      return RemoteModelReference(kind: .command, command: command.command, script: script, outputKind: kind, batchRows: remote.batchRows)
    }
    guard let http = remote.transport as? HTTPTransport else { return nil }
    let endpoint = http.endpoint.shownURL
    let isV2 = http.endpoint.servingProtocol == .v2
    return RemoteModelReference(
      kind: .url, endpoint: endpoint, servingProtocol: http.endpoint.servingProtocol.rawValue,
      modelName: http.modelName, modelVersion: http.modelVersion,
      metadata: isV2 ? "GET \(endpoint)" : "none: MLflow's scoring server publishes no model name or version",
      layout: isV2 ? http.layout.rawValue : nil, outputName: isV2 ? http.settings.outputName : nil,
      outputKind: kind, batchRows: remote.batchRows)
  }

  /// The model's work so far, for `"model_calls"` (nil for a model file).
  static func callCounts(_ loaded: LoadedModel) -> (@Sendable () -> ModelCallCounts)? {
    guard let remote = loaded.model as? RemoteModel else { return nil }
    return {
      let s = remote.statistics
      return ModelCallCounts(evaluations: s.evaluations, rowsSent: s.rowsSent, requests: s.batches)
    }
  }

  /// The last line of `explain --format json` for a remote model: `{"model_calls":{...}}`,
  /// the run's totals; nil for a model file (its output is unchanged).
  static func callsLine(_ loaded: LoadedModel) -> String? {
    callCounts(loaded).map { "{\"model_calls\":" + $0().json + "}\n" }
  }

  /// How `audit replay` reaches a recorded remote model again: the same command (its script
  /// hashed again) or the same endpoint (its metadata read again), with the recorded card,
  /// answer kind, batch size, layout and output. Models are opened once per distinct record
  /// description and closed by `closeAll`.
  final class ReplayModels {
    let headerFile: String?
    private(set) var opened: [LoadedModel] = []

    init(headerFile: String?) { self.headerFile = headerFile }

    func load(_ r: RecordedExplanation) throws -> (model: LoadedModel, changes: [String]) {
      guard let remote = r.remote else { throw ValidationError("seq \(r.seq): not a remote model") }
      var options = try RemoteModelOptions.parse([])
      options.outputKind = RemoteOutputKind(rawValue: remote.outputKind) ?? .probability
      options.batchRows = remote.batchRows
      var changes: [String] = []
      switch remote.kind {
      case .command:
        options.modelCommand = remote.command ?? r.model.path
        if let script = remote.script {
          if !CommandScript.isRegularFile(script.path) {
            changes.append("the script '\(script.path)' is gone")
          } else {
            let now = try AuditSchema.fileSHA256(path: script.path)
            if now != script.sha256 {
              changes.append("the script '\(script.path)' changed: SHA-256 \(script.sha256.prefix(12))… recorded, \(now.prefix(12))… now")
            }
          }
        }
      case .url:
        // The recorded endpoint has no query (it may have held a token): the replay
        // queries the URL without it; credentials come from --header-file.
        options.modelUrl = remote.endpoint ?? r.model.path
        options.servingProtocol = remote.servingProtocol.flatMap(ServingProtocol.init(rawValue:))
        options.layout = remote.layout.flatMap(TensorLayout.init(rawValue:))
        options.outputName = remote.outputName
        options.headerFile = headerFile
      }
      let loaded = try options.load(model: nil, card: r.card?.path)
      opened.append(loaded)
      if let now = try RemoteModelOptions.auditReference(loaded), remote.kind == .url {
        if now.modelName != remote.modelName {
          changes.append("the server's model name changed: \(remote.modelName ?? "none") recorded, \(now.modelName ?? "none") now")
        }
        if now.modelVersion != remote.modelVersion {
          changes.append("the model version changed: \(remote.modelVersion ?? "none") recorded, \(now.modelVersion ?? "none") now")
        }
      }
      return (loaded, changes)
    }

    /// Stops the commands and closes the connections opened.
    func closeAll() {
      for loaded in opened { RemoteModelOptions.finish(loaded, quiet: true) }
      opened = []
    }
  }
}
