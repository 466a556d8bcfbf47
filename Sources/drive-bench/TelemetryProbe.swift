import Basics
import MQTT
import StrictJSON
import Synchronization

/// One thing the probe saw on its MQTT connection, in arrival order.
struct ProbeEvent: Sendable {
    enum Kind: Sendable, Equatable {
        /// A `<thing>/telemetry` message with an `event` and a parsable `ts`.
        case telemetry
        /// The probe's own subscription was granted.
        case subscribed
        /// The broker refused the probe's subscription.
        case subscriptionRefused
    }

    var kind: Kind
    /// The telemetry's `event` (`online`, `command`, `stopped`, …); empty for the other kinds.
    var event = ""
    var id: String?
    var reason: String?
    /// robotd's `ts`, microseconds since the epoch (CLOCK_REALTIME in robotd); 0 for the other kinds.
    var timestampMicroseconds: Int64 = 0
    /// When the probe's consumer task had it (CLOCK_REALTIME in the bench), microseconds since the epoch.
    var receivedMicroseconds: Int64

    func isTelemetry(_ event: String, id: String? = nil, reason: String? = nil) -> Bool {
        kind == .telemetry && self.event == event && (id == nil || self.id == id)
            && (reason == nil || self.reason == reason)
    }
}

struct ProbeTimeout: Error, CustomStringConvertible {
    var description: String
}

/// Collects everything that arrives on the bench's MQTT connection and lets the bench wait for an event.
///
/// Waiting costs no CPU: a waiter is a continuation that the consumer task resumes as soon as a matching
/// event arrives (or a timer task resumes it with nothing when the timeout passes). Events are kept in
/// arrival order; ``waitFor(timeout:_:_:)`` consumes them, so the next wait starts after the last match.
final class TelemetryProbe: Sendable {
    private struct Waiter {
        let token: UInt64
        let predicate: @Sendable (ProbeEvent) -> Bool
        let continuation: CheckedContinuation<ProbeEvent?, Never>
    }

    private struct State {
        var events: [ProbeEvent] = []
        /// Events before this index were consumed by a wait.
        var cursor = 0
        var waiter: Waiter?
        var lastToken: UInt64 = 0
        /// Every wait with a token up to this one has timed out.
        var expiredToken: UInt64 = 0
        var finished = false
    }

    let client: MQTTClient
    private let state = Mutex(State())

    init(client: MQTTClient) {
        self.client = client
        state.withLock { $0.events.reserveCapacity(4096) }
        Task.detached { [self] in
            for await event in client.events {
                switch event {
                case .subscribed:
                    deliver(ProbeEvent(kind: .subscribed, receivedMicroseconds: wallClockMicroseconds()))
                case .subscriptionRefused:
                    deliver(ProbeEvent(kind: .subscriptionRefused, receivedMicroseconds: wallClockMicroseconds()))
                case .message(let message):
                    let received = wallClockMicroseconds()
                    if let parsed = Self.parse(message.payload, receivedMicroseconds: received) {
                        deliver(parsed)
                    }
                default:
                    break
                }
            }
            finish()
        }
    }

    /// The number of events seen so far: pass it to ``events(since:)`` later.
    func mark() -> Int { state.withLock { $0.events.count } }

    /// Every event that arrived since `mark`, consumed or not.
    func events(since mark: Int) -> [ProbeEvent] { state.withLock { Array($0.events[mark...]) } }

    /// Suspends until an event after the last consumed one matches `predicate`, and consumes everything up to it.
    /// Throws if `timeout` passes first (`what` names the awaited event in the error).
    @discardableResult
    func waitFor(
        timeout: Duration, _ what: @autoclosure () -> String, _ predicate: @escaping @Sendable (ProbeEvent) -> Bool
    ) async throws -> ProbeEvent {
        let token = state.withLock { state in
            state.lastToken += 1
            return state.lastToken
        }
        let timer = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            expire(token)
        }
        defer { timer.cancel() }
        let match: ProbeEvent? = await withCheckedContinuation { continuation in
            let immediate: ProbeEvent?? = state.withLock { state in
                if let index = state.events[state.cursor...].firstIndex(where: predicate) {
                    state.cursor = index + 1
                    return .some(state.events[index])
                }
                if state.finished || state.expiredToken >= token { return .some(nil) }
                precondition(state.waiter == nil, "one wait at a time")
                state.waiter = Waiter(token: token, predicate: predicate, continuation: continuation)
                return .none
            }
            if case .some(let result) = immediate { continuation.resume(returning: result) }
        }
        guard let match else { throw ProbeTimeout(description: "no \(what()) within \(timeout)") }
        return match
    }

    private func deliver(_ event: ProbeEvent) {
        let waiter = state.withLock { state -> Waiter? in
            state.events.append(event)
            guard let waiter = state.waiter, waiter.predicate(event) else { return nil }
            state.waiter = nil
            state.cursor = state.events.count
            return waiter
        }
        waiter?.continuation.resume(returning: event)
    }

    private func expire(_ token: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            state.expiredToken = max(state.expiredToken, token)
            guard let waiter = state.waiter, waiter.token == token else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume(returning: nil)
    }

    private func finish() {
        let waiter = state.withLock { state -> Waiter? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume(returning: nil)
    }

    /// A telemetry payload → an event; nil for anything without an `event` string and a valid `ts`.
    static func parse(_ payload: [UInt8], receivedMicroseconds: Int64) -> ProbeEvent? {
        guard let object = try? JSONParser.parse(payload).objectValue,
            let event = object["event"]?.stringValue,
            let ts = object["ts"]?.stringValue.flatMap(Timestamp.init(iso8601:))?.microsecondsSinceEpoch
        else { return nil }
        return ProbeEvent(
            kind: .telemetry, event: event, id: object["id"]?.stringValue, reason: object["reason"]?.stringValue,
            timestampMicroseconds: ts, receivedMicroseconds: receivedMicroseconds)
    }
}
