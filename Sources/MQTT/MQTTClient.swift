import CMosquitto
import Glibc
import POSIXThreads
public import Logging
import Synchronization

/// An MQTT-over-TLS client on libmosquitto, for Swift concurrency.
///
/// One network thread owns the connection: a *blocking* connect (libmosquitto 2.0.11's async connect
/// can hang silently on a TLS broker that is down), then `mosquitto_loop` until the connection breaks,
/// then capped exponential back-off with jitter and a new connect — forever, until ``disconnect(timeout:)``.
/// Subscriptions are renewed on every connection. Everything that happens reaches ``events`` in order.
public final class MQTTClient: Sendable {
    /// Connection events and received messages. Finishes after ``disconnect(timeout:)``.
    public let events: AsyncStream<MQTTEvent>
    public let options: MQTTOptions

    private let mosquitto: Mosquitto
    private let core: ClientCore
    private let willProvider: @Sendable () -> MQTTOptions.Will?

    /// Prepares the client; nothing touches the network before ``start()``.
    /// - Parameter will: called before every connection attempt, so the last will can carry fresh content.
    /// - Parameter gate: receives the messages (instead of ``events``) on the network thread and commits them
    ///   before they are acknowledged; see ``MQTTInboundGate``.
    public init(
        options: MQTTOptions,
        logger: Logger,
        gate: (any MQTTInboundGate)? = nil,
        will: @escaping @Sendable () -> MQTTOptions.Will? = { nil }
    ) throws(MQTTError) {
        let (events, continuation) = AsyncStream.makeStream(of: MQTTEvent.self, bufferingPolicy: .unbounded)
        let core = ClientCore(continuation: continuation, logger: logger, options: options, gate: gate)
        self.events = events
        self.options = options
        self.core = core
        self.willProvider = will
        self.mosquitto = try Mosquitto(options: options, callbacks: core.callbacks())
        core.attach(mosquitto)
    }

    /// Starts the network thread. Calling it again does nothing.
    public func start() {
        core.perform(core.transition { $0.start() }) { _ in  // .startNetworkThread
            DetachedThread.start { [mosquitto, core, options, willProvider] in
                ConnectionLoop(mosquitto: mosquitto, core: core, options: options, will: willProvider).run()
            }
        }
    }

    /// Whether the broker has accepted the current connection.
    public var isConnected: Bool { core.isConnected }

    /// Queues a message; returns at once. Throws ``MQTTError/Code/notConnected`` while offline.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 0, retain: Bool = false) throws(MQTTError)
        -> Int32
    {
        let (rc, mid) = mosquitto.publish(topic: topic, payload: payload, qos: qos, retain: retain)
        try Self.check(rc, topic: topic)
        return mid
    }

    /// Publishes and waits until the broker acknowledged it (QoS 1) or it was written out (QoS 0); throws if that
    /// has not happened within `timeout` (checked every 50 ms, so at most that much later).
    public func publishAndWait(
        topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false, timeout: Duration = .seconds(2)
    ) async throws(MQTTError) {
        let delivery = try core.publishTracked(timeout: timeout) { () throws(MQTTError) -> Int32 in
            let (rc, mid) = mosquitto.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            try Self.check(rc, topic: topic)
            return mid
        }
        try await delivery.wait()
    }

    /// Publishes and calls `onComplete` once: with success when the broker acknowledged it (QoS 1) or it was
    /// written out (QoS 0), with a failure when the broker refused it (MQTT v5) or `timeout` passed first.
    /// For high rates: no task or continuation per message; `onComplete` runs on the network thread (keep it short).
    /// Throws at once (and never calls `onComplete`) when the message cannot even be queued (offline).
    public func publish(
        topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false, timeout: Duration,
        onComplete: @escaping @Sendable (Result<Void, MQTTError>) -> Void
    ) throws(MQTTError) {
        _ = try core.publishTracked(timeout: timeout, onComplete: onComplete) { () throws(MQTTError) -> Int32 in
            let (rc, mid) = mosquitto.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            try Self.check(rc, topic: topic)
            return mid
        }
    }

    /// A message of ``publish(batch:qos:retain:timeout:onComplete:)``.
    public struct Outgoing: Sendable {
        public var topic: String
        public var payload: [UInt8]

        public init(topic: String, payload: [UInt8]) {
            self.topic = topic
            self.payload = payload
        }
    }

    /// Publishes `messages` in order, each acknowledged on its own as with
    /// ``publish(topic:payload:qos:retain:timeout:onComplete:)``, but registered as one batch: no object, closure or
    /// lock round per message. `onComplete(index, outcome)` runs once per published message, on the network
    /// thread for acknowledgements (keep it short). Returns how many were published; when that is fewer than
    /// `messages.count`, `error` says why (offline, shut down) and the rest were not queued and get no call.
    public func publish(
        batch messages: [Outgoing], qos: Int32 = 1, retain: Bool = false, timeout: Duration,
        onComplete: @escaping @Sendable (Int, Result<Void, MQTTError>) -> Void
    ) -> (published: Int, error: MQTTError?) {
        defer { mosquitto.wake() }
        return core.publishTracked(batch: messages.count, timeout: timeout, onComplete: onComplete) {
            index throws(MQTTError) in
            let message = messages[index]
            let (rc, mid) = mosquitto.publish(
                topic: message.topic, payload: message.payload, qos: qos, retain: retain, wake: false)
            try Self.check(rc, topic: message.topic)
            return mid
        }
    }

    /// Sends DISCONNECT (no last will is published), stops the network thread and finishes ``events``.
    /// Waits at most `timeout` for the thread, which may be inside a blocking connect.
    public func disconnect(timeout: Duration = .seconds(2)) async {
        var wait = false
        core.perform(core.transition { $0.stop() }) { _ in wait = true }  // .awaitNetworkThread
        if wait {
            await core.waitUntilFinished(timeout: timeout)
        }
    }

    private static func check(_ rc: Int32, topic: String) throws(MQTTError) {
        switch rc {
        case MOSQ_ERR_SUCCESS.rawValue: return
        case MOSQ_ERR_NO_CONN.rawValue: throw MQTTError(.notConnected, "cannot publish to \(topic): not connected")
        default: throw MQTTError(.publish, "cannot publish to \(topic): \(MQTTError.text(rc))")
        }
    }
}
