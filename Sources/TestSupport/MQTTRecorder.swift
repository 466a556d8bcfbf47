public import MQTT
import Synchronization

/// Records everything an ``MQTTClient`` reports, with the instant it arrived, and lets a test wait for
/// the first record that matches.
public final class MQTTRecorder: Sendable {
    public struct Record: Sendable {
        public var event: MQTTEvent
        public var at: ContinuousClock.Instant
    }

    public let client: MQTTClient
    private let records = Mutex<[Record]>([])

    /// Starts the client and begins recording.
    public init(_ client: MQTTClient) {
        self.client = client
        client.start()
        Task.detached { [self] in
            for await event in client.events {
                let record = Record(event: event, at: .now)
                records.withLock { $0.append(record) }
            }
        }
    }

    public var all: [Record] { records.withLock { $0 } }

    /// Received messages, in order.
    public var messages: [MQTTMessage] {
        all.compactMap { if case .message(let message) = $0.event { message } else { nil } }
    }

    /// Forgets what was recorded so far.
    public func clear() { records.withLock { $0.removeAll() } }

    /// The first record (after `index`, if given) for which `match` is true, waiting up to `timeout`.
    @discardableResult
    public func first(
        after index: Int = 0, timeout: Duration = .seconds(5), _ description: String = "event",
        where match: @Sendable (MQTTEvent) -> Bool
    ) async throws -> Record {
        let deadline = ContinuousClock.now + timeout
        while true {
            // Match outside the lock: a predicate may look at the recorder itself.
            let found = all.dropFirst(index).first { match($0.event) }
            if let found { return found }
            guard ContinuousClock.now < deadline else {
                let seen = all.map { "\($0.event)" }.suffix(10).joined(separator: "\n  ")
                throw TestSupportError("no \(description) within \(timeout); last events:\n  \(seen)")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The first received message for which `match` is true.
    public func message(
        timeout: Duration = .seconds(5), _ description: String = "message",
        where match: @Sendable @escaping (MQTTMessage) -> Bool
    ) async throws -> MQTTMessage {
        let record = try await first(timeout: timeout, description) { event in
            if case .message(let message) = event { return match(message) }
            return false
        }
        guard case .message(let message) = record.event else { preconditionFailure() }
        return message
    }

    public func waitUntilSubscribed(timeout: Duration = .seconds(5)) async throws {
        try await first(timeout: timeout, "SUBACK") { if case .subscribed = $0 { true } else { false } }
    }
}

extension MQTTOptions {
    /// Options for `identity` of `pki` on a local broker.
    public static func local(
        _ identity: String, pki: TestPKI, port: UInt16, clientID: String? = nil, subscriptions: [Subscription] = []
    ) -> MQTTOptions {
        MQTTOptions(
            host: "localhost", port: Int(port),
            clientID: clientID ?? "\(identity)-\(UInt32.random(in: 0...UInt32.max))",
            caFile: pki.caFile.path, certFile: pki.certFile(identity).path, keyFile: pki.keyFile(identity).path,
            subscriptions: subscriptions)
    }
}
