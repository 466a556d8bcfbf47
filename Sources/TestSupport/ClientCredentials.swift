public import Foundation

/// The TLS files an MQTT client connects with: the CA that verifies the broker and,
/// unless testing a client without one, a certificate and its private key.
public struct ClientCredentials: Sendable, Hashable {
    public var caFile: URL
    public var certFile: URL?
    public var keyFile: URL?

    public init(caFile: URL, certFile: URL? = nil, keyFile: URL? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}
