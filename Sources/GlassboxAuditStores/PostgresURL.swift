import Foundation
import GlassboxAudit
import PostgresNIO

/// A `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=MODE&sslrootcert=PATH]` URL read
/// into postgres-nio's connection settings, with libpq's meaning of the TLS parameters:
///
/// | `sslmode` | TLS | certificate checked | host name checked |
/// |---|---|---|---|
/// | `disable` (the default) | no | — | — |
/// | `prefer` | when the server offers it | no | no |
/// | `require` | yes, else the connection fails | only when `sslrootcert` is given | no |
/// | `verify-ca` | yes | yes | no |
/// | `verify-full` | yes | yes | yes |
///
/// verify-full checks the URL's host name against the certificate's names; a host given
/// as an IP address has no name to check (it cannot be sent in TLS's server name), so
/// verify-full refuses it: use verify-ca there. `sslrootcert=PATH` names a PEM file of the
/// certificate authorities to trust; without it, the system's trust store is used. A
/// certificate that fails the check ends the
/// connection before any query, with the reason (`AuditError.unavailable`, exit 69).
/// Unlike libpq, the default is `disable`, as before TLS was supported.
struct PostgresURL {
  /// The URL without its password, for messages.
  let location: String
  let configuration: PostgresConnection.Configuration

  /// The TLS modes `sslmode` accepts.
  enum TLSMode: String, CaseIterable {
    case disable, prefer, require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
  }

  /// - Throws: `AuditError.cannotRead` for a URL without host, user or database, an
  ///   unknown parameter or `sslmode`, or an unreadable `sslrootcert`.
  init(_ url: String) throws(AuditError) {
    location = Self.withoutPassword(url)
    guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty, let user = parts.user,
      parts.path.count > 1
    else {
      throw .cannotRead(path: location, reason: "give a URL postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
    }
    var mode = TLSMode.disable
    var rootCertificate: String?
    for item in parts.queryItems ?? [] {
      switch item.name {
      case "sslmode":
        guard let chosen = item.value.flatMap(TLSMode.init(rawValue:)) else {
          let modes = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
          throw .cannotRead(path: location, reason: "sslmode must be one of \(modes), not '\(item.value ?? "")'")
        }
        mode = chosen
      case "sslrootcert":
        rootCertificate = item.value
      default:
        throw .cannotRead(path: location, reason: "unknown parameter '\(item.name)'; the URL takes sslmode and sslrootcert")
      }
    }
    let password = parts.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
    configuration = PostgresConnection.Configuration(
      host: host, port: parts.port ?? 5432, username: user.removingPercentEncoding ?? user,
      password: password?.removingPercentEncoding ?? password, database: String(parts.path.dropFirst()),
      tls: try Self.tls(mode, rootCertificate: rootCertificate, location: location))
  }

  private static func tls(_ mode: TLSMode, rootCertificate: String?, location: String) throws(AuditError)
    -> PostgresConnection.Configuration.TLS
  {
    guard mode != .disable else { return .disable }
    var tls = TLSConfiguration.makeClientConfiguration()
    switch mode {
    case .disable, .prefer: tls.certificateVerification = .none
    case .require: tls.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
    case .verifyCA: tls.certificateVerification = .noHostnameVerification
    case .verifyFull: tls.certificateVerification = .fullVerification
    }
    let context: NIOSSLContext
    do {
      if let rootCertificate {
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
      }
      context = try NIOSSLContext(configuration: tls)
    } catch {
      throw .cannotRead(path: rootCertificate ?? location, reason: "not a usable PEM certificate file (\(error))")
    }
    return mode == .prefer ? .prefer(context) : .require(context)
  }

  static func withoutPassword(_ url: String) -> String {
    guard var parts = URLComponents(string: url), parts.password != nil else { return url }
    parts.password = nil
    return parts.string ?? url
  }
}
