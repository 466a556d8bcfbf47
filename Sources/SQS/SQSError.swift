/// Why an SQS call failed, and whether trying again later can succeed.
///
/// ``code`` is AWS's error code — from the `x-amzn-query-error` header when the service sends one (the codes of
/// SQS's older query protocol, e.g. `AWS.SimpleQueueService.NonExistentQueue`), else the JSON `__type`'s short
/// name (e.g. `AccessDenied`) — or one of this client's own: `transport` (no HTTP response: refused, reset,
/// timed out), `credentials` (the credentials source threw), `InvalidResponse` (a reply that is not what SQS
/// sends), `InvalidEndpoint`, and the request checks `EmptyBatchRequest`, `TooManyEntriesInBatchRequest`,
/// `BatchEntryIdsNotDistinct`.
public struct SQSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// AWS's error code or one of the client's own (see the type's documentation).
    public var code: String
    /// The JSON `__type`'s short name when it differs from ``code`` (e.g. `QueueDoesNotExist`), else nil.
    public var type: String?
    /// What the service (or the transport) said.
    public var message: String
    /// The HTTP status of the reply; nil when there was none.
    public var httpStatus: Int?
    /// True when the same request may succeed later: HTTP 5xx and 429, throttling, expired credentials
    /// (the credentials source is asked again on every call), transport failures and timeouts, a failing
    /// credentials source. False for what only a change of request or configuration fixes (a missing queue,
    /// denied access, an invalid parameter).
    public var isRetryable: Bool
    /// The SQS action, e.g. `SendMessage`.
    public var action: String
    /// What the call was about: the queue URL or name, or the endpoint.
    public var resource: String

    public init(
        code: String, type: String? = nil, message: String, httpStatus: Int? = nil, isRetryable: Bool,
        action: String, resource: String
    ) {
        self.code = code
        self.type = type
        self.message = message
        self.httpStatus = httpStatus
        self.isRetryable = isRetryable
        self.action = action
        self.resource = resource
    }

    /// An error in a reply from the service, classified by ``isRetryable(code:type:httpStatus:)``.
    init(reply code: String, type: String?, message: String, httpStatus: Int, action: String, resource: String) {
        self.init(
            code: code, type: type == code ? nil : type, message: message, httpStatus: httpStatus,
            isRetryable: Self.isRetryable(code: code, type: type, httpStatus: httpStatus), action: action,
            resource: resource)
    }

    /// One line: the action, the resource, the code and status, the service's message and, for the usual
    /// configuration mistakes, what to check.
    public var description: String {
        var text = "SQS \(action) on \(resource) failed: \(code)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if !message.isEmpty { text += ": \(message)" }
        if let hint { text += " — \(hint)" }
        return text
    }

    private var hint: String? {
        switch type ?? code {
        case "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue":
            return "check the queue name or URL, and that the endpoint's region and the credentials' account hold it"
        case "AccessDenied", "AccessDeniedException":
            return "the credentials' IAM policy (and the queue's policy) must allow sqs:\(action) on the queue"
        case "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "IncompleteSignature",
            "InvalidSecurity", "MissingAuthenticationToken":
            return "check the access key, its secret and the region the requests are signed for"
        case "transport": return "is the endpoint reachable from here?"
        default: return nil
        }
    }

    /// Codes AWS uses for "slow down": retry after a back-off.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "KmsThrottled",
        "AWS.SimpleQueueService.RequestThrottled", "SlowDown", "BandwidthLimitExceeded",
        "ProvisionedThroughputExceededException", "PriorRequestNotComplete",
    ]

    /// Codes that say "try again" although the status may be 4xx: time-outs on the service's side, and expired
    /// temporary credentials (the next call asks the credentials source again).
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
        "ExpiredToken", "ExpiredTokenException", "RequestExpired",
    ]

    /// Whether a reply error is worth retrying: 5xx, 429, throttling and transient codes.
    static func isRetryable(code: String, type: String?, httpStatus: Int) -> Bool {
        if httpStatus >= 500 || httpStatus == 429 { return true }
        return [code, type].contains { name in
            guard let name else { return false }
            return throttlingCodes.contains(name) || transientCodes.contains(name)
        }
    }
}
