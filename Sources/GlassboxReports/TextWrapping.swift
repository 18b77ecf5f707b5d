/// Word wrapping for terminal reports: long notes and findings continue on indented lines
/// instead of running past the terminal's edge or being cut.
public enum TextWrapping {
  /// `text` broken at spaces into lines of at most `width` characters; continuation lines
  /// start with `indent` spaces (counted in the width). A word longer than the room is
  /// split. The first line carries no indent: the caller has already written its prefix
  /// and passes the room left as `firstWidth`.
  /// - Complexity: O(characters).
  public static func wrap(_ text: String, firstWidth: Int, width: Int, indent: Int) -> [String] {
    let room = max(8, width - indent)
    var lines: [String] = []
    var line = ""
    var limit = max(8, firstWidth)
    func flush() {
      while line.last == " " { line.removeLast() }
      lines.append(line)
      line = ""
      limit = room
    }
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      var word = Substring(word)
      if !line.isEmpty, line.count + 1 + word.count > limit {
        flush()
        if word.isEmpty { continue }  // a run of spaces at a break
      }
      while word.count > limit {
        if !line.isEmpty { flush() }
        line = String(word.prefix(limit))
        word = word.dropFirst(limit)
        flush()
      }
      line += line.isEmpty ? String(word) : " " + word
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    let pad = String(repeating: " ", count: indent)
    return lines.enumerated().map { $0.offset == 0 ? $0.element : pad + $0.element }
  }
}

extension TerminalStyle {
  /// `prefix` and `text` wrapped at the width, continuation lines indented under the text,
  /// each line dimmed on its own (no colour escape stays open across a line break), and a
  /// final newline.
  public func dimWrapped(_ prefix: String, _ text: String, indent: Int? = nil) -> String {
    let lines = TextWrapping.wrap(text, firstWidth: width - prefix.count, width: width, indent: indent ?? prefix.count)
    return lines.enumerated().map { dim(($0.offset == 0 ? prefix : "") + $0.element) + "\n" }.joined()
  }
}
