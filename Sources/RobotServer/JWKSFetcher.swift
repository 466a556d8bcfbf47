import AsyncHTTPClient
import FoundationEssentials
import JWTKit
import NIOCore
import NIOSSL

/// Reads a JWKS: from a file, or from an HTTPS URL with AsyncHTTPClient (verifying the server against the
/// system's roots, or against `auth.jwt.caFile`).
final class JWKSFetcher: Sendable {
    let source: AuthConfig.KeySource
    private let client: HTTPClient?

    /// The largest JWKS accepted; real ones are a few KiB.
    static let maxBytes = 1 << 20

    init(source: AuthConfig.KeySource, caFile: String?) throws {
        self.source = source
        guard case .url = source else {
            client = nil
            return
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            tls.trustRoots = .file(caFile)
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(5)))
        // Fail fast (a refused connection or an untrusted certificate is not retried until the deadline): a
        // request may be waiting for this fetch, and the next one is at most `minRefetchSeconds` away.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func fetch() async throws -> JWKS {
        let bytes: [UInt8]
        switch source {
        case .file(let path):
            let data = try Data(contentsOf: URL(filePath: path))
            guard data.count <= Self.maxBytes else { throw JWKSError("\(path) is larger than 1 MiB") }
            bytes = Array(data)
        case .url(let url):
            bytes = try await download(url)
        }
        do {
            return try JSONDecoder().decode(JWKS.self, from: Data(bytes))
        } catch {
            throw JWKSError("not a JWKS ({\"keys\": [...]}): \(error)")
        }
    }

    private func download(_ url: String) async throws -> [UInt8] {
        guard let client else { throw JWKSError("no HTTP client") }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        } catch {
            throw JWKSError("GET \(url) failed: \(error)")
        }
        guard response.status == .ok else {
            throw JWKSError("GET \(url) answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        let body = try await response.body.collect(upTo: Self.maxBytes)
        return Array(body.readableBytesView)
    }

    func shutdown() async {
        try? await client?.shutdown()
    }
}

/// Why a JWKS could not be read.
struct JWKSError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
