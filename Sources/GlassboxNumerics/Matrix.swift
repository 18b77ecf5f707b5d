/// A dense matrix of `Double` stored column-major, as BLAS and LAPACK expect.
///
/// Element `(i, j)` lives at `storage[i + j * rows]`. Matrices are value types with
/// copy-on-write storage, so passing them around is cheap.
public struct Matrix: Equatable, Sendable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// The elements, column after column.
  public var storage: [Double]

  /// A `rows × columns` matrix filled with `value`.
  /// - Complexity: O(rows · columns).
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = [Double](repeating: value, count: rows * columns)
  }

  /// A matrix over existing column-major storage.
  /// - Precondition: `storage.count == rows * columns`.
  public init(rows: Int, columns: Int, columnMajor storage: [Double]) {
    precondition(storage.count == rows * columns, "storage does not match \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// A matrix from an array of rows (convenient in tests and small literals).
  /// - Precondition: every row has the same length.
  public init(_ rowArrays: [[Double]]) {
    let r = rowArrays.count
    let c = rowArrays.first?.count ?? 0
    var m = Matrix(rows: r, columns: c)
    for (i, row) in rowArrays.enumerated() {
      precondition(row.count == c, "ragged rows: row \(i) has \(row.count) values, expected \(c)")
      for j in 0..<c { m[i, j] = row[j] }
    }
    self = m
  }

  /// The `n × n` identity.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  /// Element access. - Complexity: O(1).
  @inlinable
  public subscript(row: Int, column: Int) -> Double {
    get { storage[row + column * rows] }
    set { storage[row + column * rows] = newValue }
  }

  /// Column `j` as an array. - Complexity: O(rows).
  public func column(_ j: Int) -> [Double] {
    Array(storage[(j * rows)..<((j + 1) * rows)])
  }

  /// Row `i` as an array. - Complexity: O(columns).
  public func row(_ i: Int) -> [Double] {
    (0..<columns).map { self[i, $0] }
  }

  /// The transpose. - Complexity: O(rows · columns).
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for j in 0..<columns {
      for i in 0..<rows { t[j, i] = self[i, j] }
    }
    return t
  }
}
