import MQTT
import StrictJSON
import Synchronization

/// Counts the benchmark's messages by `seq` as they arrive, on the MQTT client's network thread (an inbound gate
/// that keeps nothing durable: the broker gets its PUBACK right after the read).
///
/// A message counts when it carries the run's id and a `seq` below the expected count: the first time as unique,
/// afterwards as a duplicate. Anything else (another run's leftovers in a persistent session, an unreadable
/// payload) counts as foreign. Every 1000th arrival is also parsed in full with StrictJSON to check that the relay
/// passes on valid JSON with the same `seq`.
final class ArrivalCounter: MQTTInboundGate {
    struct Snapshot {
        var arrivals = 0
        var unique = 0
        var duplicates = 0
        var foreign = 0
        /// Unique messages without the expected field (e.g. the relay's `set` field).
        var withoutField = 0
        /// Unique messages that did not come at QoS 1.
        var notQoS1 = 0
        /// Fully parsed samples that were not a JSON object with the scanned `seq`.
        var invalidJSON = 0
        var checkedJSON = 0
        var firstArrival: ContinuousClock.Instant?
        var lastArrival: ContinuousClock.Instant?
        /// The earliest `sentUs` among unique messages and the wall clock of the last unique arrival (µs).
        var firstSentUs: Int64 = .max
        var lastArrivalUs: Int64 = 0
        /// Send → arrival of each unique message, µs (only in ``final()``).
        var latencies: [Int64] = []
        var sample: String?
        var run: String?
        /// The first few `seq`s never seen (only in ``final()``).
        var missingExamples: [Int] = []
    }

    private struct State {
        var snapshot = Snapshot()
        var seen: [Bool]
        var runBytes: [UInt8]?
    }

    let expected: Int
    private let fieldKey: String?
    private let state: Mutex<State>
    private let arrivals = Atomic<Int>(0)

    /// - Parameters:
    ///   - run: the run id to count; `nil` takes the first message's.
    ///   - field: a member every message should have (counted when missing).
    init(expected: Int, run: String?, field: String?) {
        self.expected = expected
        self.fieldKey = field.map { "\"\($0)\":" }
        var state = State(seen: [Bool](repeating: false, count: expected))
        state.runBytes = run.map { Array($0.utf8) }
        state.snapshot.run = run
        state.snapshot.latencies.reserveCapacity(expected)
        self.state = Mutex(state)
    }

    func receive(_ message: MQTTMessage) {
        let now = ContinuousClock.now
        let wall = wallClockMicroseconds()
        let payload = message.payload
        let scanned = ScannedMessage(payload)
        let hasField = fieldKey.map { ScannedMessage.end(of: $0, in: payload) != nil } ?? true
        let arrival = arrivals.add(1, ordering: .relaxed).newValue
        var checked: Bool?
        if arrival % 1000 == 1 {
            let parsed = try? JSONParser.parse(payload)
            checked = parsed?["seq"]?.intValue == scanned.seq && scanned.seq != nil
        }
        state.withLock { state in
            state.snapshot.arrivals += 1
            if let checked {
                state.snapshot.checkedJSON += 1
                if !checked { state.snapshot.invalidJSON += 1 }
                if state.snapshot.sample == nil { state.snapshot.sample = String(decoding: payload, as: UTF8.self) }
            }
            guard let seq = scanned.seq, seq < expected, let runRange = scanned.run else {
                state.snapshot.foreign += 1
                return
            }
            if let runBytes = state.runBytes {
                guard payload[runRange].elementsEqual(runBytes) else {
                    state.snapshot.foreign += 1
                    return
                }
            } else {
                state.runBytes = Array(payload[runRange])
                state.snapshot.run = String(decoding: payload[runRange], as: UTF8.self)
            }
            guard !state.seen[seq] else {
                state.snapshot.duplicates += 1
                return
            }
            state.seen[seq] = true
            state.snapshot.unique += 1
            if state.snapshot.firstArrival == nil { state.snapshot.firstArrival = now }
            state.snapshot.lastArrival = now
            state.snapshot.lastArrivalUs = wall
            if let sent = scanned.sentUs {
                state.snapshot.firstSentUs = min(state.snapshot.firstSentUs, sent)
                state.snapshot.latencies.append(wall - sent)
            }
            if !hasField { state.snapshot.withoutField += 1 }
            if message.qos != 1 { state.snapshot.notQoS1 += 1 }
        }
    }

    func commit() {}

    /// The counts so far, without the per-message lists.
    func progress() -> Snapshot {
        state.withLock { state in
            var snapshot = state.snapshot
            snapshot.latencies = []
            return snapshot
        }
    }

    /// Everything, with the latencies sorted and the first few missing `seq`s.
    func final() -> Snapshot {
        state.withLock { state in
            var snapshot = state.snapshot
            snapshot.latencies.sort()
            var missing: [Int] = []
            for (seq, seen) in state.seen.enumerated() where !seen {
                missing.append(seq)
                if missing.count == 10 { break }
            }
            snapshot.missingExamples = missing
            return snapshot
        }
    }
}
