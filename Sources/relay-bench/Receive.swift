import ArgumentParser
import Glibc
import Logging
import MQTT
import Synchronization

/// Subscribes at QoS 1 with a persistent session and counts the benchmark's messages until all have arrived or
/// none came for a while; prints unique, duplicate and missing counts and the rates.
///
/// The session is persistent (clean session off, a fixed client id), so messages published while the receiver
/// is briefly disconnected wait for it at the broker instead of being lost.
struct Receive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count numbered messages at QoS 1 (persistent session); print unique/duplicates/missing and msg/s.")

    @OptionGroup var broker: BrokerOptions
    @Option(help: "Topic filter to subscribe to.") var topic = "data/bench"
    @Option(help: "Messages expected (seq 0..<count); stops when all have arrived.") var count = 100_000
    @Option(help: "Run id to count (default: the first message's run).") var run: String?
    @Option(help: "Seconds without a new message, after the first one, before giving up.") var idleTimeout = 10.0
    @Option(help: "Seconds to wait for the first message after subscribing.") var firstTimeout = 300.0
    @Option(help: "Seconds to keep counting (duplicates) after the last expected message arrived.") var linger = 0.0
    @Option(help: "A JSON member every message should carry, e.g. relayedAt (counted when missing).")
    var expectField: String?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard idleTimeout > 0, firstTimeout > 0, linger >= 0 else {
            throw ValidationError("--idle-timeout and --first-timeout must be positive, --linger not negative")
        }
    }

    func run() async throws {
        var logger = Logger(label: "relay-bench")
        logger.logLevel = .warning
        let clientID = broker.clientId ?? "relay-bench-receive"
        let options = broker.options(clientID: clientID, cleanSession: false, subscriptions: [.init(topic, qos: 1)])
        let counter = ArrivalCounter(expected: count, run: run, field: expectField)
        let client = try MQTTClient(options: options, logger: logger, gate: counter)
        let subscriptions = SubscriptionCount()
        client.start()
        let announcement =
            "subscribed to \(topic) on \(options.endpoint) at QoS 1 as \(clientID) (persistent session)"
        async let watched: Void = ConnectionWatch.report(client.events, endpoint: options.endpoint) { event in
            guard case .subscribed = event else { return }
            if subscriptions.increment() == 1 { say(announcement) }
        }
        do {
            try await waitForSubscription(subscriptions, endpoint: options.endpoint)
            try await count(counter)
        } catch {
            await client.disconnect()
            await watched
            throw error
        }
        await client.disconnect()
        await watched
        try report(counter.final(), endpoint: options.endpoint)
    }

    private func waitForSubscription(_ subscriptions: SubscriptionCount, endpoint: String) async throws {
        let deadline = ContinuousClock.now + .seconds(broker.connectTimeout)
        while subscriptions.value == 0 {
            guard ContinuousClock.now < deadline else {
                throw ValidationError(
                    "no subscription to \(topic) on \(endpoint) within \(broker.connectTimeout) s — is the broker "
                        + "up, do the TLS files belong to it, and may this identity read \(topic)?")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until every expected message arrived (plus `linger`), or the idle or first-message timeout passed.
    private func count(_ counter: ArrivalCounter) async throws {
        let clock = ContinuousClock()
        let subscribed = clock.now
        var nextProgress = subscribed + .seconds(5)
        var complete: ContinuousClock.Instant?
        while true {
            try await Task.sleep(for: .milliseconds(20))
            let now = clock.now
            let progress = counter.progress()
            if progress.unique >= count {
                if complete == nil { complete = now }
                if let complete, now - complete >= .seconds(linger) { return }
                continue
            }
            if let last = progress.lastArrival {
                if now - last >= .seconds(idleTimeout) {
                    warn("relay-bench: no new message for \(fixed(idleTimeout, 1)) s; stopping")
                    return
                }
            } else if now - subscribed >= .seconds(firstTimeout) {
                warn("relay-bench: no message within \(fixed(firstTimeout, 1)) s of subscribing; stopping")
                return
            }
            if now >= nextProgress {
                nextProgress = now + .seconds(5)
                warn(
                    "relay-bench: \(grouped(progress.unique)) of \(grouped(count)) so far, "
                        + "\(grouped(progress.duplicates)) duplicates")
            }
        }
    }

    private func report(_ result: ArrivalCounter.Snapshot, endpoint: String) throws {
        let missing = count - result.unique
        say(
            "received on \(endpoint) \(topic): \(grouped(result.unique)) unique of \(grouped(count)), "
                + "\(grouped(result.duplicates)) duplicates, \(grouped(missing)) missing, "
                + "\(grouped(result.foreign)) from other runs or unreadable (run \(result.run ?? "none"))")
        var arrivalRate = 0.0
        var endToEndRate = 0.0
        var endToEndSeconds = 0.0
        if let first = result.firstArrival, let last = result.lastArrival, result.unique > 1 {
            let span = (last - first).seconds
            arrivalRate = Double(result.unique - 1) / span
            say("arrival rate: \(grouped(Int(arrivalRate))) msg/s (first → last arrival, \(fixed(span, 3)) s)")
        }
        if result.firstSentUs != .max, result.lastArrivalUs > result.firstSentUs {
            endToEndSeconds = Double(result.lastArrivalUs - result.firstSentUs) / 1e6
            endToEndRate = Double(result.unique) / endToEndSeconds
            say(
                "end to end: \(grouped(Int(endToEndRate))) msg/s (first message sent → last arrival, "
                    + "\(fixed(endToEndSeconds, 3)) s)")
        }
        let latencies = result.latencies
        func ms(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return Double(latencies[min(latencies.count - 1, Int((Double(latencies.count - 1) * p).rounded()))]) / 1000
        }
        if !latencies.isEmpty {
            say(
                "latency sent → arrived: p50 \(fixed(ms(0.5), 1)) ms, p99 \(fixed(ms(0.99), 1)) ms, "
                    + "max \(fixed(ms(1), 1)) ms")
        }
        if let expectField {
            say(
                result.withoutField == 0
                    ? "every message carries \"\(expectField)\""
                    : "\(grouped(result.withoutField)) messages lack \"\(expectField)\"")
        }
        if result.notQoS1 > 0 { say("\(grouped(result.notQoS1)) messages arrived below QoS 1") }
        say("valid JSON with the same seq: \(result.checkedJSON - result.invalidJSON) of \(result.checkedJSON) checked")
        if let sample = result.sample { say("sample: \(sample)") }
        if !result.missingExamples.isEmpty {
            say("first missing seq: \(result.missingExamples.map(String.init).joined(separator: ", "))")
        }
        say(
            "result unique=\(result.unique) duplicates=\(result.duplicates) missing=\(missing) "
                + "foreign=\(result.foreign) arrivalRate=\(Int(arrivalRate)) endToEndRate=\(Int(endToEndRate)) "
                + "endToEndSeconds=\(fixed(endToEndSeconds, 3)) p50Ms=\(fixed(ms(0.5), 1)) p99Ms=\(fixed(ms(0.99), 1)) "
                + "withoutField=\(result.withoutField) invalidJSON=\(result.invalidJSON) cpuMs=\(ownCPUMilliseconds())")
        if missing > 0 {
            throw ValidationError("\(missing) of \(count) messages did not arrive on \(endpoint) \(topic)")
        }
    }
}

/// How many times the broker granted the subscription (once per connection).
final class SubscriptionCount: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts one grant; returns the new total.
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }

    var value: Int { count.load(ordering: .relaxed) }
}
