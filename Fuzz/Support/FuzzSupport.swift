// Shared by every fuzz target (compiled into each binary by Fuzz/build.sh).
import GlassboxData
import GlassboxModels

#if canImport(Glibc)
  import Glibc
#endif

/// The input libFuzzer hands a target, in the shapes the parsers take.
enum FuzzInput {
  /// The bytes as an array.
  static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
  }

  /// The bytes as text, invalid UTF-8 repaired (as command-line arguments arrive).
  static func text(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
    String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  }

  /// A per-process scratch file on a memory file system when there is one.
  static let scratchPath: String = {
    var info = stat()
    let folder = stat("/dev/shm", &info) == 0 ? "/dev/shm" : "/tmp"
    return "\(folder)/glassbox-fuzz-\(getpid())"
  }()

  /// Writes the bytes to the scratch file and calls `body` with its path, for readers
  /// that take a path (CSV, audit logs).
  static func withFile<R>(_ data: UnsafePointer<UInt8>, _ size: Int, _ body: (String) -> R) -> R {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write the scratch file \(scratchPath)")
    var written = 0
    while written < size {
      let n = write(fd, data + written, size - written)
      precondition(n > 0, "cannot write the scratch file \(scratchPath)")
      written += n
    }
    close(fd)
    return body(scratchPath)
  }

  /// The adult card shipped in models/ (read once; the targets run from the repository root).
  static let adultCard: ModelCard = {
    do {
      return try ModelCard.load(path: "models/adult-xgboost.card.json")
    } catch {
      fatalError("run the fuzz targets from the repository root: \(error)")
    }
  }()
}

/// Loads model bytes as glassbox does and uses the model a little, so loader bugs that
/// only show when the trees are walked are found too.
enum ModelFuzzing {
  /// - Parameter formatName: a `ModelFormat.name` to force that loader; nil recognises
  ///   the format by content as `ModelLoader` does.
  static func run(_ bytes: [UInt8], formatName: String?) {
    let file = ModelFile(path: "fuzz-input", bytes: bytes)
    let format: (any ModelFormat)?
    if let formatName {
      format = ModelFormats.all.first { $0.name == formatName }
      precondition(format != nil, "no model format named \(formatName)")
    } else {
      format = ModelFormats.all.first { $0.recognizes(file) }
    }
    guard let format, let model = try? format.load(file) else { return }
    exercise(model)
  }

  /// Predicts three rows (zeros, missing values, large values) and reads the summary.
  static func exercise(_ model: any Model) {
    let n = model.featureNames.count
    // Bound the work a single input can ask for; the limits are reported by other checks.
    guard n <= 10_000, model.outputCount >= 1, model.outputCount <= 10_000 else { return }
    var rows = [Double](repeating: 0, count: n)
    rows += [Double](repeating: .nan, count: n)
    rows += [Double](repeating: 1e300, count: n)
    let margins = model.predictMargins(rows)
    let k = model.outputCount
    for r in 0..<3 where margins.count >= (r + 1) * k {
      _ = model.responses(fromMargins: margins[(r * k)..<((r + 1) * k)])
    }
    _ = model.summary
    if let described = model as? any DescribableModel { _ = described.facts }
  }
}

/// Parsed documents, walked whole so every value a parser returns is touched.
enum DocumentWalk {
  /// Visits every value of `document` (arrays and objects included).
  static func visitAll(_ document: JSONValue) {
    var pending = [document]
    while let next = pending.popLast() {
      _ = next.typeName
      if let array = next.array { pending += array }
      if let object = next.object { pending += object.members.map(\.value) }
    }
  }
}
