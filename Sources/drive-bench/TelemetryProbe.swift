import ArgumentParser
import Foundation
import MQTT
import Synchronization

/// Collects `<thing>/telemetry` events and lets the bench wait for one that matches.
final class TelemetryProbe: Sendable {
    struct Event: Sendable {
        var event: String
        var id: String?
        var reason: String?
        var timestampMicroseconds: Int64
    }

    let client: MQTTClient
    private let state = Mutex<(events: [Event], subscribed: Bool)>(([], false))

    init(client: MQTTClient, thing: String) {
        self.client = client
        Task.detached { [self] in
            for await event in client.events {
                switch event {
                case .subscribed:
                    self.state.withLock { $0.subscribed = true }
                case .message(let message):
                    if let parsed = Self.parse(message.payload) {
                        self.state.withLock { $0.events.append(parsed) }
                    }
                default:
                    break
                }
            }
        }
    }

    func waitUntilSubscribed() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !state.withLock({ $0.subscribed }) {
            guard ContinuousClock.now < deadline else { throw ValidationError("cannot subscribe to telemetry within 10 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func reset() { state.withLock { $0.events.removeAll() } }
    func received() -> [Event] { state.withLock { $0.events } }

    /// Polls (every 50 µs) for the first collected event matching `predicate`, and removes everything up to it.
    @discardableResult
    func waitFor(timeout: Duration, _ predicate: (Event) -> Bool) async throws -> Event {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let match = state.withLock({ $0.events.first(where: predicate) }) { return match }
            try await Task.sleep(for: .microseconds(50))
        }
        throw ValidationError("no matching telemetry within \(timeout)")
    }

    static func parse(_ payload: [UInt8]) -> Event? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            let event = object["event"] as? String, let ts = object["ts"] as? String
        else { return nil }
        return Event(event: event, id: object["id"] as? String, reason: object["reason"] as? String, timestampMicroseconds: microseconds(ts))
    }

    /// `2026-11-21T05:38:04.123456Z` → microseconds since the epoch.
    static func microseconds(_ iso: String) -> Int64 {
        let parts = iso.dropLast().split(separator: ".")
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: String(parts[0]) + "Z") else { return 0 }
        let fraction = parts.count > 1 ? String(parts[1]).padding(toLength: 6, withPad: "0", startingAt: 0) : "0"
        return Int64(date.timeIntervalSince1970) * 1_000_000 + (Int64(fraction) ?? 0)
    }
}
