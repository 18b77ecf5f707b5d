import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// A naive triple loop, independent of BLAS.
private func naiveProduct(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
  let m = a.count, k = b.count, n = b.first?.count ?? 0
  var c = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
  for i in 0..<m {
    for j in 0..<n {
      for l in 0..<k { c[i][j] += a[i][l] * b[l][j] }
    }
  }
  return c
}

private func rowsOf(_ m: Matrix) -> [[Double]] { (0..<m.rows).map { m.row($0) } }

private func transpose(_ a: [[Double]]) -> [[Double]] {
  guard let n = a.first?.count else { return [] }
  return (0..<n).map { j in a.map { $0[j] } }
}

@Suite("Matrix storage")
struct MatrixStorageTests {
  @Test func columnMajorLayout() {
    let m = Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(m.rows == 2)
    #expect(m.columns == 3)
    // Column after column: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2).
    #expect(m.storage == [1, 4, 2, 5, 3, 6])
    #expect(m[1, 2] == 6)
    #expect(m[0, 1] == 2)
    #expect(m.row(1) == [4, 5, 6])
    #expect(m.column(2) == [3, 6])
    #expect(m == Matrix(rows: 2, columns: 3, columnMajor: [1, 4, 2, 5, 3, 6]))
  }

  @Test func subscriptSetWritesTheRightSlot() {
    var m = Matrix(rows: 3, columns: 2, repeating: 0.5)
    m[2, 1] = 9
    #expect(m.storage == [0.5, 0.5, 0.5, 0.5, 0.5, 9])
  }

  @Test func transposeAndIdentity() {
    let m = Matrix([[1, 2, 3], [4, 5, 6]])
    let t = m.transposed
    #expect(t.rows == 3 && t.columns == 2)
    #expect(rowsOf(t) == [[1, 4], [2, 5], [3, 6]])
    #expect(t.transposed == m)
    #expect(rowsOf(Matrix.identity(3)) == [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
  }

  @Test func emptyMatrix() {
    let m = Matrix([])
    #expect(m.rows == 0 && m.columns == 0 && m.storage.isEmpty)
  }
}

@Suite("gemm and gemv")
struct MultiplyTests {
  let a = Matrix([[1, 2, 3], [4, 5, 6]])  // 2×3

  @Test func plainProduct() throws {
    let b = Matrix([[7, 8], [9, 10], [11, 12]])  // 3×2
    // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
    let c = try a.multiplied(by: b)
    #expect(c.rows == 2 && c.columns == 2)
    #expect(rowsOf(c) == [[58, 64], [139, 154]])
  }

  @Test func transposeSelf() throws {
    let c = Matrix([[1, 0], [2, 1]])  // 2×2
    // Aᵀ = [[1,4],[2,5],[3,6]]; AᵀC = [[1+8, 4], [2+10, 5], [3+12, 6]].
    let p = try a.multiplied(by: c, transposeSelf: true)
    #expect(p.rows == 3 && p.columns == 2)
    #expect(rowsOf(p) == [[9, 4], [12, 5], [15, 6]])
  }

  @Test func transposeOther() throws {
    let d = Matrix([[1, 0, 1], [0, 1, -1]])  // 2×3, Dᵀ = [[1,0],[0,1],[1,-1]]
    // A·Dᵀ = [[1+3, 2−3], [4+6, 5−6]].
    let p = try a.multiplied(by: d, transposeOther: true)
    #expect(rowsOf(p) == [[4, -1], [10, -1]])
  }

  @Test func transposeBoth() throws {
    let e = Matrix([[1, 1], [0, 2], [3, 0]])  // 3×2, so Eᵀ is 2×3
    // Aᵀ·Eᵀ = (E·A)ᵀ; E·A = [[5,7,9],[8,10,12],[3,6,9]].
    let p = try a.multiplied(by: e, transposeSelf: true, transposeOther: true)
    #expect(p.rows == 3 && p.columns == 3)
    #expect(rowsOf(p) == [[5, 8, 3], [7, 10, 6], [9, 12, 9]])
  }

  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func randomProductsMatchTripleLoop(transposeSelf: Bool, transposeOther: Bool) throws {
    var rng = Xoshiro256StarStar(seed: 99)
    let (m, k, n) = (7, 5, 4)
    func random(_ r: Int, _ c: Int) -> [[Double]] {
      (0..<r).map { _ in (0..<c).map { _ in rng.nextUnitDouble() * 4 - 2 } }
    }
    let left = random(m, k), right = random(k, n)
    let leftStored = Matrix(transposeSelf ? transpose(left) : left)
    let rightStored = Matrix(transposeOther ? transpose(right) : right)
    let product = try leftStored.multiplied(
      by: rightStored, transposeSelf: transposeSelf, transposeOther: transposeOther)
    let expected = naiveProduct(left, right)
    #expect(product.rows == m && product.columns == n)
    expectClose(rowsOf(product).flatMap { $0 }, expected.flatMap { $0 }, rel: 1e-13, abs: 1e-13)
  }

  @Test func innerSizeMismatchThrows() {
    #expect(throws: LinearAlgebraError.self) { try a.multiplied(by: a) }
    #expect(throws: LinearAlgebraError.self) { try a.multiplied(by: a, transposeSelf: true, transposeOther: true) }
    let error = #expect(throws: LinearAlgebraError.self) {
      try a.multiplied(by: Matrix([[1, 2]]), transposeOther: false)
    }
    guard case .dimensionMismatch(let operation, _, _) = error else {
      Issue.record("expected dimensionMismatch, got \(String(describing: error))")
      return
    }
    #expect(operation == "gemm")
    // AᵀA and AAᵀ are fine.
    #expect((try? a.multiplied(by: a, transposeSelf: true))?.rows == 3)
    #expect((try? a.multiplied(by: a, transposeOther: true))?.rows == 2)
  }

  @Test func emptyInnerDimensionGivesZeros() throws {
    let left = Matrix(rows: 2, columns: 0)
    let right = Matrix(rows: 0, columns: 3)
    let p = try left.multiplied(by: right)
    #expect(p == Matrix(rows: 2, columns: 3))
  }

  @Test func gemv() throws {
    // A·[1,1,1] = row sums; Aᵀ·[1,−1] = row0 − row1.
    #expect(try a.multiplied(by: [1, 1, 1]) == [6, 15])
    #expect(try a.multiplied(by: [2, 0, -1]) == [2 - 3, 8 - 6])
    #expect(try a.multiplied(by: [1, -1], transposed: true) == [-3, -3, -3])
    #expect(try a.multiplied(by: [0.5, 2], transposed: true) == [8.5, 11, 13.5])
  }

  @Test func gemvMismatchThrows() {
    let error = #expect(throws: LinearAlgebraError.self) { try a.multiplied(by: [1, 2]) }
    #expect(error == .dimensionMismatch(operation: "gemv", expected: "3 values", found: "2"))
    #expect(throws: LinearAlgebraError.self) { try a.multiplied(by: [1, 2, 3], transposed: true) }
  }
}
