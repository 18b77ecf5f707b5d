/// Where a model came from, as its file says: the library, the version that wrote it, and
/// the boosting type, for `glassbox inspect`.
public struct ModelProvenance: Sendable, Equatable {
  /// The library's name ("XGBoost").
  public var library: String
  /// The version that wrote the file, when the file states it.
  public var version: String?
  /// The boosting type ("gbtree", "dart", "rf (num_parallel_tree 4)", "gblinear").
  public var boosting: String?
  /// Further facts in display order.
  public var notes: [(key: String, value: String)] = []

  public init(library: String, version: String? = nil, boosting: String? = nil) {
    self.library = library
    self.version = version
    self.boosting = boosting
  }

  /// "XGBoost 3.4.1", or the library alone when the version is unknown.
  public var libraryText: String { version.map { "\(library) \($0)" } ?? library }

  public static func == (a: ModelProvenance, b: ModelProvenance) -> Bool {
    a.library == b.library && a.version == b.version && a.boosting == b.boosting
      && a.notes.map(\.key) == b.notes.map(\.key) && a.notes.map(\.value) == b.notes.map(\.value)
  }
}

/// A model whose file names the categories of some features: the labels of feature `j`'s
/// codes 0, 1, ... in `categoryLabels[j]`. Input labels are mapped to codes by this list
/// (XGBoost ≥ 3.1 stores the training data's category recoding in the model).
public protocol CategoryLabelledModel: Model {
  var categoryLabels: [Int: [String]] { get }
}
