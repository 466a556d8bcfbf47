/// Why a KVS control-plane call failed, and what the caller should do about it (``kind``).
///
/// `description` is one line: the operation, the HTTP status, AWS's error code and message, and what to check, e.g.
/// `KVS DescribeSignalingChannel failed: HTTP 404 ResourceNotFoundException: The requested channel is not found or
/// not active.`
public struct KVSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The credentials source failed (file missing, malformed, variables unset): nothing was sent.
        case credentialsUnavailable
        /// HTTP 401 or 403: expired or invalid credentials (or a policy that denies): read the credentials again
        /// and retry after a back-off.
        case credentialsRejected
        /// HTTP 404 or `ResourceNotFoundException`: the channel does not exist (create it, or fix its name).
        case notFound
        /// Any other error reply (throttling and 5xx among them).
        case service
        /// No HTTP reply: refused, reset, TLS failure, timed out.
        case transport
        /// A 2xx reply that is not what KVS sends.
        case invalidResponse
        /// A bad endpoint URL or CA file: only a change of configuration helps.
        case configuration
    }

    public var kind: Kind
    /// The KVS operation, e.g. `GetSignalingChannelEndpoint`.
    public var operation: String
    /// The HTTP status of the reply; nil when there was none.
    public var httpStatus: Int?
    /// AWS's error code (`ResourceNotFoundException`, `ExpiredTokenException`, …) when the reply named one.
    public var code: String?
    /// What AWS (or the transport, or the check that failed) said.
    public var message: String

    public init(_ kind: Kind, operation: String, httpStatus: Int? = nil, code: String? = nil, message: String) {
        self.kind = kind
        self.operation = operation
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
    }

    /// Whether asking again (after a back-off, with the credentials read again) may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .credentialsUnavailable, .credentialsRejected, .service, .transport, .invalidResponse: true
        case .notFound, .configuration: false
        }
    }

    public var description: String {
        let head = [httpStatus.map { "HTTP \($0)" }, code].compactMap { $0 }.joined(separator: " ")
        var text = "KVS \(operation) failed:" + (head.isEmpty ? "" : " " + head)
        if !message.isEmpty { text += (head.isEmpty ? " " : ": ") + message }
        switch kind {
        case .credentialsRejected:
            text += " — expired or invalid credentials (or an IAM policy without kinesisvideo:\(operation))"
        case .notFound: text += " — check the channel name and region, or let robot-webrtc create the channel"
        case .credentialsUnavailable: text += " — no credentials to sign with"
        default: break
        }
        return text
    }
}
