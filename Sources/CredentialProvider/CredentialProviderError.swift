/// Why credentials could not be fetched, saying which resource is at fault and what fixes it.
public struct CredentialProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The local certificate or key cannot be used (missing, not PEM, not a pair).
        case clientCertificate
        /// The endpoint's certificate does not verify against the CA file.
        case serverCertificate
        /// The endpoint refused the TLS handshake: usually a certificate it does not know or accept.
        case handshakeRefused
        /// HTTP 401/403: the certificate may not assume the role alias.
        case forbidden
        /// HTTP 404: no such role alias.
        case unknownRoleAlias
        /// HTTP 400 and other 4xx answers.
        case rejected
        /// HTTP 429.
        case throttled
        /// HTTP 5xx.
        case serverError
        /// No answer within the timeout.
        case timeout
        /// Name resolution or TCP connection failed.
        case unreachable
        /// An answer that is not the credential provider's JSON.
        case malformedAnswer
        /// The request was cancelled (robotd is stopping).
        case cancelled
        /// Any other transfer failure.
        case transfer
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, when there was an answer.
    public var status: Int?

    public init(_ kind: Kind, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    /// Worth retrying soon: the cause is likely to pass (a timeout, a network outage, a server error, throttling).
    /// Other failures need someone to fix a certificate, a policy or the configuration.
    public var isTransient: Bool {
        switch kind {
        case .timeout, .unreachable, .serverError, .throttled, .transfer: true
        default: false
        }
    }

    public var description: String { message }
}
