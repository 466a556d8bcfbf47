import CCurl

/// A TLS handshake with the device certificate and nothing more, for `robotd check`: proves that a server (the
/// MQTT broker) is reachable, presents a certificate the CA file verifies for its name, and accepts ours —
/// without an MQTT session, which would disconnect a running robotd that uses the same client id.
public enum TLSProbe {
    /// A handshake that failed, and why, in words an operator can act on.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Handshakes with `host:port`; after it, waits `settle` for a refusal that TLS 1.3 sends late.
    public static func handshake(
        host: String, port: Int, caFile: String, certFile: String, keyFile: String,
        timeout: Duration = .seconds(5), settle: Duration = .milliseconds(300)
    ) async throws(Failure) {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var settings = Curl.Request(
            url: "https://\(authority)/", caFile: caFile, certFile: certFile, keyFile: keyFile,
            connectTimeout: timeout, timeout: timeout + settle + .seconds(1))
        settings.connectOnly = true
        settings.settle = settle
        let request = settings
        let cancel = Curl.CancelFlag()
        let response = await BlockingThread.run(
            { Curl.perform(request, cancel: cancel) }, onCancel: { cancel.cancel() })
        guard !response.succeeded else { return }
        let text = response.errorText
        let message: String
        switch response.code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT:
            message = "cannot reach \(authority): \(text)"
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            message = "the server's certificate does not verify with \(caFile): \(text)"
        case CURLE_SSL_CERTPROBLEM:
            message = "cannot use the certificate \(certFile) with the key \(keyFile): \(text)"
        default:
            message = "the TLS handshake with \(authority) failed: \(text) — is the certificate registered and active?"
        }
        throw Failure(message: message)
    }
}
