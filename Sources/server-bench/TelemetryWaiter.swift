import DriveProtocol
import MQTT
import Synchronization

/// Watches `<thing>/telemetry` and hands the bench the `ts` of the `command` event with a given id, without
/// polling: a waiter is a continuation resumed by the consumer task (or by its timeout).
final class TelemetryWaiter: Sendable {
    private struct State {
        var seen: [String: Int64] = [:]
        var waiting: (id: String, continuation: CheckedContinuation<Int64?, Never>)?
    }

    let client: MQTTClient
    private let state = Mutex(State())
    private let subscribed = Mutex(false)

    init(client: MQTTClient) {
        self.client = client
    }

    /// Consumes the client's events until it disconnects (run it in a task of its own).
    func consume() async {
        for await event in client.events {
            switch event {
            case .subscribed:
                subscribed.withLock { $0 = true }
            case .message(let message):
                guard let telemetry = try? Telemetry(from: message.payload), telemetry.event == .command,
                    let id = telemetry.id
                else { continue }
                let microseconds = telemetry.timestamp.nanosecondsSinceEpoch / 1000
                let waiter = state.withLock { state -> CheckedContinuation<Int64?, Never>? in
                    if let waiting = state.waiting, waiting.id == id {
                        state.waiting = nil
                        return waiting.continuation
                    }
                    state.seen[id] = microseconds
                    return nil
                }
                waiter?.resume(returning: microseconds)
            default:
                break
            }
        }
    }

    var isSubscribed: Bool { subscribed.withLock { $0 } }

    /// The `ts` (µs since the epoch) of the `command` telemetry with `id`, or nil after `timeout`.
    func commandTimestamp(id: String, timeout: Duration) async -> Int64? {
        await withTaskGroup(of: Int64?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let seen = self.state.withLock { state -> Int64? in
                        if let ts = state.seen.removeValue(forKey: id) { return ts }
                        state.waiting = (id, continuation)
                        return nil
                    }
                    if let seen { continuation.resume(returning: seen) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { state in
                    defer { state.waiting = nil }
                    return state.waiting?.id == id ? state.waiting?.continuation : nil
                }
                waiter?.resume(returning: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
