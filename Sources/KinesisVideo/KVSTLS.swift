public import NIOSSL

/// The TLS settings for the KVS endpoints (control plane, ICE config, signaling WebSocket): the system's trust
/// store, or only the CA certificates in a PEM file (`AWS_KVS_CACERT_PATH` / `--kvs-ca-file`, as the C SDK sample
/// takes; the tests' own CA).
public enum KVSTLS {
    /// A client configuration that trusts `caFile`'s certificates (all of them) instead of the system's, or the
    /// system's when `caFile` is nil. The file is read now, so a missing or bad one fails here, by name.
    public static func configuration(caFile: String?) throws(KVSError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        // When the server closes first (GO_AWAY, a newer master, the hour's end) the client waits this long for TLS's
        // close_notify exchange; NIOSSL's default of 5 s held up every reconnect and robot-webrtc's exit by that much.
        tls.shutdownTimeout = .milliseconds(500)
        guard let caFile else { return tls }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw KVSError(
                .configuration, operation: "TLS setup",
                message: "the CA file \(caFile) is not readable PEM certificates (\(error))")
        }
        guard !certificates.isEmpty else {
            throw KVSError(
                .configuration, operation: "TLS setup", message: "the CA file \(caFile) holds no certificate")
        }
        tls.trustRoots = .certificates(certificates)
        return tls
    }
}
