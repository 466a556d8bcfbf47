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
            let ts = object["ts"]?.stringValue.flatMap(microsecondsSinceEpoch(iso8601:))
        else { return nil }
        return ProbeEvent(
            kind: .telemetry, event: event, id: object["id"]?.stringValue, reason: object["reason"]?.stringValue,
            timestampMicroseconds: ts, receivedMicroseconds: receivedMicroseconds)
    }
}

/// `2026-11-21T05:38:04.123456Z` (UTC, 0…9 fraction digits) → microseconds since the epoch; nil if malformed.
func microsecondsSinceEpoch(iso8601 text: String) -> Int64? {
    let bytes = Array(text.utf8)
    guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
    func number(_ start: Int, _ length: Int) -> Int64? {
        var value: Int64 = 0
        for byte in bytes[start..<start + length] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
    let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
    guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
        let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
        let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
        (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var micros: Int64 = 0
    let fractionEnd = bytes.count - 1
    if fractionEnd > 19 {
        guard bytes[19] == UInt8(ascii: "."), fractionEnd - 20 >= 1, fractionEnd - 20 <= 9,
            let fraction = number(20, fractionEnd - 20)
        else { return nil }
        var scaled = fraction
        var digits = fractionEnd - 20
        while digits < 6 { scaled *= 10; digits += 1 }
        while digits > 6 { scaled /= 10; digits -= 1 }
        micros = scaled
    } else if fractionEnd != 19 {
        return nil
    }
    let days = daysSinceEpoch(year: year, month: month, day: day)
    return ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micros
}

/// Days from 1970-01-01 to a proleptic Gregorian date (the civil-from-days inverse, in 400-year eras).
func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
    let shiftedYear = month <= 2 ? year - 1 : year
    let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
    let yearOfEra = shiftedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}
