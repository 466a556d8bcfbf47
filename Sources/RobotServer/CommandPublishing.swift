import MQTT

/// What the HTTP routes need of the broker connection: whether it is up (for `/healthz` and the 503 answers) and a
/// QoS 1 publish that returns once the broker has acknowledged. ``CommandPublisher`` is the MQTT one;
/// in-process route tests pass one that records what it is given, or fails as an unreachable broker does.
protocol CommandPublishing: Sendable {
    var health: CommandPublisher.Health { get }
    /// Publishes `payload` on `topic` with QoS 1 and waits for the broker's PUBACK.
    func publish(topic: String, payload: [UInt8]) async throws(MQTTError)
}

extension CommandPublisher: CommandPublishing {}
