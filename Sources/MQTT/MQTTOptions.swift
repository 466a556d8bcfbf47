public import Basics

/// How to reach and authenticate to an MQTT broker over TLS (AWS IoT Core or any broker such as mosquitto).
public struct MQTTOptions: Sendable, Equatable {
    public enum ProtocolVersion: Sendable, Equatable {
        case v311
        case v5
    }

    /// A message the broker publishes for us when the connection drops without a DISCONNECT.
    public struct Will: Sendable, Equatable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: Int32
        public var retain: Bool

        public init(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    /// A topic filter subscribed after every successful (re)connection.
    public struct Subscription: Sendable, Equatable {
        public var topicFilter: String
        public var qos: Int32
        /// MQTT v5 subscription identifier (1…268,435,455): the broker names it on every message this subscription
        /// delivers (``MQTTMessage/subscriptionIdentifiers``), so overlapping subscriptions can be told apart.
        public var identifier: Int?

        public init(_ topicFilter: String, qos: Int32 = 1, identifier: Int? = nil) {
            self.topicFilter = topicFilter
            self.qos = qos
            self.identifier = identifier
        }
    }

    public var host: String
    public var port: Int
    public var clientID: String
    public var caFile: String
    public var certFile: String
    public var keyFile: String
    /// ALPN protocol, e.g. `x-amzn-mqtt-ca` to reach AWS IoT Core on port 443.
    public var alpn: String?
    public var keepAliveSeconds: Int
    /// Clean session: the broker keeps nothing for us while we are away, so stale commands are never replayed.
    public var cleanSession: Bool
    public var protocolVersion: ProtocolVersion
    public var subscriptions: [Subscription]
    public var backoff: CappedBackoff
    /// How long a blocking connect may spend in the TLS handshake before it is aborted and retried
    /// (a peer that accepts TCP but never answers would otherwise hold the network thread forever).
    public var connectTimeout: Duration
    /// With a value: a connection whose data or TCP keep-alive probes (every second once idle) go unanswered this
    /// long is closed by the kernel (`TCP_USER_TIMEOUT`), and each reconnect first waits for the path with a TCP
    /// probe a second (``DeadLink``) — so a broker is back within about a second of a network outage's end. Nil:
    /// TCP's and the MQTT keep-alive's own timers, which can take tens of seconds.
    public var deadLinkTimeout: Duration?
    /// How many QoS 1 messages may await their PUBACK at once (libmosquitto's default is 20; 0 is unlimited).
    /// More pipelines better on a busy link; what does not fit waits in libmosquitto's queue.
    public var maxInflightMessages: Int?
    /// With MQTT v5 and no clean session: how long the broker keeps the session (subscriptions and queued QoS 1
    /// messages) after the connection ends. v3.1.1 brokers keep it until their own expiry setting.
    public var sessionExpirySeconds: UInt32 = 7 * 24 * 3600

    public init(
        host: String,
        port: Int = 8883,
        clientID: String,
        caFile: String,
        certFile: String,
        keyFile: String,
        alpn: String? = nil,
        keepAliveSeconds: Int = 30,
        cleanSession: Bool = true,
        protocolVersion: ProtocolVersion = .v311,
        subscriptions: [Subscription] = [],
        backoff: CappedBackoff = CappedBackoff(initial: .milliseconds(100), maximum: .milliseconds(1500), jitter: 0.5),
        connectTimeout: Duration = .seconds(10),
        maxInflightMessages: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.alpn = alpn
        self.keepAliveSeconds = keepAliveSeconds
        self.cleanSession = cleanSession
        self.protocolVersion = protocolVersion
        self.subscriptions = subscriptions
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.maxInflightMessages = maxInflightMessages
    }

    /// `host:port` for messages.
    public var endpoint: String { "\(host):\(port)" }
}
