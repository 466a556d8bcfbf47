public import EventPattern
public import JSONConfig
public import StrictJSON
public import RelayQueue

/// The `relay` section of robot-server's config: accounts (broker connections, SQS endpoints), the grants
/// they give each other, and the rules that move messages between them. Validated as a whole when it loads:
/// see ``RelayConfig/parse(_:directory:)``.
public struct RelayConfig: Sendable {
    /// An account: a broker connection and/or an SQS endpoint, with the id the rules' `${accountId}` writes.
    public struct Account: Sendable {
        public var name: String
        public var accountID: String
        public var mqtt: AccountMQTT?
        public var sqs: AccountSQS?
        /// Who may deliver into this account, and where.
        public var grants: [Grant]
        /// The topic level (1-based) that this account's broker binds to the publishing client's id through its
        /// ACL or policy (mosquitto `pattern write devices/%c/#`, AWS IoT `${iot:ClientId}`), which makes it
        /// trustworthy as `${clientId}`. Nil: the broker does not tell who published, and rules cannot ask.
        public var clientIDTopicLevel: Int?
    }

    public struct AccountMQTT: Sendable {
        public var settings: MQTTSettings
        /// Fixed, so the broker keeps this relay's persistent session (and its unacknowledged messages) across restarts.
        public var clientID: String
        /// QoS 1 messages in flight to this broker at once.
        public var maxInflight: Int = 1000
    }

    public struct AccountSQS: Sendable {
        /// `https://sqs.<region>.amazonaws.com` unless given (a local SQS-compatible server, a VPC endpoint).
        public var endpoint: String
        public var region: String
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?
        /// SendMessageBatch calls in flight at once per rule target.
        public var concurrency: Int = 4
    }

    /// `from` may deliver into this account on these topics (filters) and queues.
    public struct Grant: Sendable {
        public var from: String
        public var topics: [TopicFilter]
        public var queues: [String]
    }

    public enum Target: Sendable {
        case mqtt(account: String, topic: TopicTemplate, qos: Int32)
        case sqs(account: String, queue: String, base64: Bool)
        case webhook(url: String, headers: [(String, String)], timeoutMs: Int)

        /// A short name for logs, metrics and the status page: `mqtt:partner/debug/${topic(2)}`; a webhook's
        /// secrets (userinfo, query, header values) are not in it.
        public var label: String {
            switch self {
            case .mqtt(let account, let topic, _): "mqtt:\(account)/\(topic.text)"
            case .sqs(let account, let queue, _): "sqs:\(account)/\(queue)"
            case .webhook(let url, let headers, _): WebhookRedaction.label(url: url, headers: headers)
            }
        }
    }

    public struct Rule: Sendable {
        public var name: String
        public var sourceAccount: String
        public var source: TopicFilter
        public var filter: EventPattern?
        /// Trusted fields, written over whatever the publisher sent, in order (dotted paths create objects).
        public var set: [(path: [String], value: SetValue)]
        /// Dotted paths that must exist after `set`.
        public var require: [[String]]
        public var targets: [Target]
        public var errorAction: Target?
        /// Failed attempts after which a delivery goes to the error action (unreachable destinations do not count).
        public var maxAttempts: Int = 10
        public var retryInitialMs: Int = 200
        public var retryMaxMs: Int = 30_000

        /// Whether the rule reads the payload as JSON (else it passes bytes through untouched).
        public var needsJSON: Bool { filter != nil || !set.isEmpty || !require.isEmpty }
    }

    /// A `set` value: a template (string) or a constant (any other JSON value).
    public enum SetValue: Sendable {
        case template(FieldTemplate)
        case constant(JSONValue)
    }

    /// How hard the queue's commits hold: `normal` survives a crash of the process (kill -9), `full` also a power
    /// loss (every commit waits for the disk).
    public typealias Durability = RelayQueue.Durability

    public var queuePath: String
    public var durability: Durability = .normal
    public var accounts: [String: Account]
    public var rules: [Rule]
}
