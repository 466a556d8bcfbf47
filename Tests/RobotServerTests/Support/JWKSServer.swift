import Foundation
import Hummingbird
import HummingbirdTLS
import NIOSSL
import Synchronization
import TestSupport

/// A real HTTPS server for a JWKS, as an identity provider runs one: Hummingbird with TLS, using the test
/// PKI's `localhost` certificate, so robot-server must trust the throwaway CA (`auth.jwt.caFile`). It
/// counts the fetches and can switch to another key set (a key rotation).
final class JWKSServer: Sendable {
    let port: UInt16
    private let document: Mutex<String>
    private let requests = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)

    private init(port: UInt16, jwks: String) {
        self.port = port
        self.document = Mutex(jwks)
    }

    static func start(pki: TestPKI, jwks: String) async throws -> JWKSServer {
        let server = JWKSServer(port: try FreePort.next(), jwks: jwks)
        let router = Router()
        router.get("/.well-known/jwks.json") { _, _ -> Response in
            server.requests.add(1, ordering: .relaxed)
            let body = server.document.withLock { $0 }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.directory.appending(path: "broker.crt").path)
                .map { .certificate($0) },
            privateKey: .privateKey(
                try NIOSSLPrivateKey(file: pki.directory.appending(path: "broker.key").path, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: Int(server.port))),
            onServerRunning: { _ in server.running.store(true, ordering: .relaxed) })
        server.task.withLock { $0 = Task { try await app.run() } }
        let deadline = ContinuousClock.now + .seconds(10)
        while !server.running.load(ordering: .relaxed) {
            guard ContinuousClock.now < deadline else { throw TestSupportError("the JWKS server did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return server
    }

    var url: String { "https://localhost:\(port)/.well-known/jwks.json" }

    /// How many times the JWKS was fetched.
    var fetches: Int { requests.load(ordering: .relaxed) }

    /// Serves another key set from now on.
    func serve(_ jwks: String) { document.withLock { $0 = jwks } }

    func stop() { task.withLock { $0?.cancel() } }
}
