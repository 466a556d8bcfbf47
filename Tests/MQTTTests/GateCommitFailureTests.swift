import Basics
import Logging
import MQTT
import Synchronization
import TestSupport
import Testing

/// A gate that cannot keep what arrives (the relay's queue on a full or read-only disk) cuts the connection
/// unacknowledged; the broker redelivers at once, so the next connection fails the same way. The client must back
/// off as for any failed reconnect, and say so at a limited rate, not reconnect and log every 100 ms.
@Suite(.timeLimit(.minutes(1))) struct GateCommitFailureTests {
    /// Fails every commit that has messages to keep while `failing`, and records what it kept.
    final class FailingGate: MQTTInboundGate {
        private struct State {
            var failing = true
            var received: [MQTTMessage] = []
            var kept: [MQTTMessage] = []
            var failures = 0
        }

        private let state = Mutex(State())

        struct DiskFull: Error, CustomStringConvertible {
            var description: String { "disk full (a test's gate)" }
        }

        func receive(_ message: MQTTMessage) {
            state.withLock { $0.received.append(message) }
        }

        func commit() throws {
            try state.withLock { state throws in
                guard !state.received.isEmpty else { return }
                defer { state.received = [] }
                if state.failing {
                    state.failures += 1
                    throw DiskFull()
                }
                state.kept += state.received
            }
        }

        func heal() { state.withLock { $0.failing = false } }
        var failures: Int { state.withLock { $0.failures } }
        var kept: [MQTTMessage] { state.withLock { $0.kept } }
    }

    @Test func aFailingCommitBacksOffLikeAReconnectAndLogsOnce() async throws {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)
        let log = CapturedLog()
        let gate = FailingGate()
        var options = MQTTOptions.local("admin", pki: pki, port: broker.port, subscriptions: [.init("t/#", qos: 1)])
        options.cleanSession = false
        options.backoff = CappedBackoff(initial: .milliseconds(100), maximum: .milliseconds(1600), jitter: 0)
        let client = MQTTRecorder(try MQTTClient(options: options, logger: log.logger, gate: gate))
        try await client.waitUntilSubscribed()

        try await MosquittoCLI(pki: pki, port: broker.port).publish(
            topic: "t/kept", message: "{\"n\":1}", as: "admin", qos: 1)
        try await client.first(timeout: .seconds(10), "the connection cut by the commit") {
            if case .connectionLost = $0 { true } else { false }
        }
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(4))
        let connects = client.all.filter { if case .connected = $0.event { $0.at > start } else { false } }.count
        let failures = gate.failures
        let errors = log.entries.filter { $0.message.contains("could not keep the messages") }
        // Back-off 100, 200, 400, 800, 1600, 1600 ms after each cut: about 5 connections in 4 s (40 at a fixed
        // 100 ms). Each one fails its commit (the broker redelivers the message at once).
        #expect(connects >= 2 && connects <= 7, "connections in 4 s: \(connects)")
        #expect(failures <= 8, "failed commits: \(failures)")
        #expect(errors.count == 1, "error lines: \(errors.map(\.message))")

        gate.heal()
        let deadline = ContinuousClock.now + .seconds(10)
        while gate.kept.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(gate.kept.map(\.topic) == ["t/kept"], "the message is kept once the gate heals")
        await client.client.disconnect()
        try await broker.stop()
    }
}

/// Collects a `Logger`'s lines.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let storage = Mutex<[Entry]>([])

    var entries: [Entry] { storage.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "robot.test") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.storage.withLock { $0.append(Entry(level: event.level, message: event.message.description)) }
        }
    }
}
