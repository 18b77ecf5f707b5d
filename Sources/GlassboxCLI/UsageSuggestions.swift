import ArgumentParser

/// For a command line the parser refused: a message naming the mistyped subcommand or option
/// and the nearest valid one (`explian` → `explain`, `--modle` → `--model`).
///
/// Valid names come from the commands' own configuration and help, so a new flag is known
/// here without being listed. Nearness is the optimal-string-alignment distance (one edit is
/// an insertion, deletion, substitution or swap of neighbours), at most 2 and less than half
/// the name's length.
/// - Complexity: O(arguments · names · length²), on the error path only.
enum UsageSuggestions {
  /// The message for the first unknown subcommand or option in `arguments`, or nil when
  /// every subcommand and option is known (the parser's own message then stands).
  static func message(for arguments: [String]) -> String? {
    let (command, index) = deepestCommand(arguments)
    if index < arguments.count, !arguments[index].hasPrefix("-"), !command.configuration.subcommands.isEmpty {
      let word = arguments[index]
      let subcommands = command.configuration.subcommands
      let names = subcommands.map { name(of: $0) }
      let path = commandPath(command)
      if let near = nearest(word, among: names) {
        return "unknown command '\(word)'; did you mean '\(path) \(near)'?"
      }
      return "unknown command '\(word)'; the commands are \(names.joined(separator: ", "))"
    }
    let known = optionNames(of: command)
    var position = index
    while position < arguments.count {
      let argument = arguments[position]
      position += 1
      if argument == "--" { break }
      guard argument.hasPrefix("--"), argument.count > 2 else { continue }
      let name = String(argument.split(separator: "=", maxSplits: 1)[0])
      if known.contains(name) { continue }
      let path = commandPath(command)
      if let near = nearest(name, among: Array(known)) {
        return "unknown option '\(name)' for '\(path)'; did you mean '\(near)'?"
      }
      return "unknown option '\(name)' for '\(path)'"
    }
    return nil
  }

  /// Where to look for help: `glassbox audit verify --help` for a line that starts
  /// `audit verify`.
  static func helpCommand(for arguments: [String]) -> String {
    commandPath(deepestCommand(arguments).command) + " --help"
  }

  /// The deepest subcommand named at the front of `arguments`, and the index of the first
  /// argument after its name.
  private static func deepestCommand(_ arguments: [String]) -> (command: ParsableCommand.Type, index: Int) {
    var command: ParsableCommand.Type = Glassbox.self
    var index = 0
    while index < arguments.count, !arguments[index].hasPrefix("-"),
      let next = command.configuration.subcommands.first(where: { name(of: $0) == arguments[index] })
    {
      command = next
      index += 1
    }
    return (command, index)
  }

  /// The word that names `command` on the command line.
  private static func name(of command: ParsableCommand.Type) -> String {
    command.configuration.commandName ?? String(describing: command).lowercased()
  }

  /// `glassbox audit` for the audit command: the words that lead to `command`.
  private static func commandPath(_ command: ParsableCommand.Type) -> String {
    var words: [String] = []
    var found = false
    func search(_ node: ParsableCommand.Type, _ trail: [String]) {
      if found { return }
      if node == command {
        words = trail
        found = true
        return
      }
      for child in node.configuration.subcommands { search(child, trail + [name(of: child)]) }
    }
    search(Glassbox.self, ["glassbox"])
    return words.joined(separator: " ")
  }

  /// The long options a command accepts, read from the option lines of its help text (in
  /// OPTIONS and in the titled option groups).
  private static func optionNames(of command: ParsableCommand.Type) -> Set<String> {
    let help = Glassbox.helpMessage(for: command, columns: 10_000)
    var names: Set<String> = ["--help", "--version"]
    for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
      // An option line starts with its spellings: `  -m, --model <model>   text`.
      guard line.hasPrefix("  -") else { continue }
      for word in line.split(separator: " ").prefix(3) where word.hasPrefix("--") && word.count > 2 {
        names.insert(String(word.hasSuffix(",") ? word.dropLast() : word))
      }
    }
    return names
  }

  /// The candidate nearest to `word`, when it is close enough to be a typing slip.
  static func nearest(_ word: String, among candidates: [String]) -> String? {
    var best: (name: String, distance: Int)?
    for candidate in candidates.sorted() {
      let d = distance(Array(word), Array(candidate))
      if best == nil || d < best!.distance { best = (candidate, d) }
    }
    guard let best else { return nil }
    let limit = min(2, max(1, (word.count - 2) / 2))
    return best.distance <= limit ? best.name : nil
  }

  /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
  /// neighbouring characters each cost one.
  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, table[i - 2][j - 2] + 1) }
        table[i][j] = value
      }
    }
    return table[a.count][b.count]
  }
}
