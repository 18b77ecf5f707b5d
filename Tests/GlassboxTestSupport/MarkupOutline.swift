import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// An HTML page or SVG document parsed as XML by Foundation's XMLParser (a real parser,
/// independent of the code that wrote it): parsing fails on any well-formedness error.
/// Elements are kept flat, in document order, with their attributes, the element names of
/// their ancestors and their direct text.
public struct MarkupOutline {
  public struct Element {
    public var name: String
    public var attributes: [String: String]
    /// Names of the enclosing elements, outermost first.
    public var ancestors: [String]
    /// Character data directly inside the element.
    public var text = ""
    /// The id and class of the nearest enclosing element that has one of each.
    public var enclosingIDs: [String]
    public var enclosingClasses: [String]
  }

  public let elements: [Element]

  public struct Malformed: Error, CustomStringConvertible {
    public var description: String
  }

  public init(_ text: String) throws {
    let collector = Collector()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = collector
    guard parser.parse() else {
      throw Malformed(description: "not well-formed at line \(parser.lineNumber), column \(parser.columnNumber): \(String(describing: parser.parserError))")
    }
    elements = collector.elements
  }

  public func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

  /// Elements named `name` inside an element whose class is `className`.
  public func all(_ name: String, inClass className: String) -> [Element] {
    elements.filter { $0.name == name && $0.enclosingClasses.contains(className) }
  }

  /// Elements named `name` inside the element with id `id`.
  public func all(_ name: String, inID id: String) -> [Element] {
    elements.filter { $0.name == name && $0.enclosingIDs.contains(id) }
  }

  private final class Collector: NSObject, XMLParserDelegate {
    var elements: [Element] = []
    var open: [Int] = []

    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
      attributes: [String: String]
    ) {
      let parents = open.map { elements[$0] }
      elements.append(
        Element(
          name: name, attributes: attributes, ancestors: parents.map(\.name),
          enclosingIDs: parents.compactMap { $0.attributes["id"] }, enclosingClasses: parents.compactMap { $0.attributes["class"] }))
      open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
      open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      if let last = open.last { elements[last].text += string }
    }
  }
}
