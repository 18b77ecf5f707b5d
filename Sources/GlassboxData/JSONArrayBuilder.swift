/// Collects a parsed array's elements: numbers first as a plain `[Double]` (the compact
/// `.numbers` form), until the first other element turns the array general. Shared by
/// `JSONParser` and `UBJSONParser`, so both give the same tree for the same document.
struct JSONArrayBuilder {
  private var numbers: [Double] = []
  private var items: [JSONValue] = []
  private var allNumbers = true

  /// Reserves room for `count` numbers (at most 2^20, whatever a file claims).
  mutating func reserve(_ count: Int) { numbers.reserveCapacity(min(count, 1 << 20)) }

  /// - Complexity: amortised O(1); O(n) once, when the first non-number arrives.
  mutating func append(_ item: JSONValue) {
    if allNumbers, case .number(let d) = item {
      numbers.append(d)
      return
    }
    if allNumbers {
      allNumbers = false
      items = numbers.map { .number($0) }
      numbers = []
    }
    items.append(item)
  }

  /// `.numbers` when every element was a number (or there were none), else `.array`.
  var value: JSONValue { allNumbers ? .numbers(numbers) : .array(items) }
}
