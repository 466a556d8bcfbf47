/// What happens on an MQTT connection, delivered in order through ``MQTTClient/events``.
public enum MQTTEvent: Sendable, Equatable {
    /// The broker accepted the connection (CONNACK success).
    case connected
    /// Every configured subscription was granted for this connection.
    case subscribed
    /// A subscription was refused by the broker (e.g. its ACL or policy does not allow the filter).
    case subscriptionRefused(topicFilter: String)
    /// A message arrived on a subscribed topic.
    case message(MQTTMessage)
    /// An established connection was lost (or closed by us).
    case connectionLost(reason: String)
    /// A connection attempt failed; the next one starts after `retryIn`.
    case connectFailed(reason: String, retryIn: Duration)
}

/// A received message, copied out of libmosquitto's buffers.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
    /// The identifiers of the subscriptions this message matched (MQTT v5, when they were subscribed with one).
    public var subscriptionIdentifiers: [Int]

    public init(
        topic: String, payload: [UInt8], qos: Int32 = 0, retain: Bool = false, subscriptionIdentifiers: [Int] = []
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.subscriptionIdentifiers = subscriptionIdentifiers
    }
}
