import Basics
import Foundation
import Logging
import MQTT
@testable import Relay
import RelayQueue
import Synchronization
import TestSupport
import Testing

/// A publisher that sends thousands of bad messages a second to a rule without an error action gets every one
/// counted, but not one log line each.
@Suite struct IngestGateLogTests {
    struct NoSender: TargetSender {
        var batchSize: Int { 1 }
        var concurrency: Int { 1 }
        func send(
            _ batch: [QueuedDelivery], settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void
        ) async {}
    }

    @Test func rejectionsWithoutAnErrorActionAreCountedEachAndLoggedOnce() throws {
        let config = try RelayConfigTests.parse(
            rules: #"{"name":"r","source":{"account":"customer","topic":"in/+"},"require":["thingName"],"#
                + #""targets":[{"mqtt":{"account":"customer","topic":"out"}}]}"#)
        let queue = try DurableQueue(path: ScratchDirectory.make("ingest-log").appending(path: "relay.db").path)
        defer { queue.close() }
        let log = Lines()
        let engine = RelayEngine(queue: queue, rules: config.rules, logger: log.logger)
        let rule = config.rules[0]
        engine.install([
            Route(
                rule: rule, target: "0", label: "out", lane: Lane(key: "r/0", window: 1, capacity: 2),
                sender: NoSender(),
                backoff: CappedBackoff(initial: .milliseconds(1), maximum: .milliseconds(1)),
                counters: engine.counters("r"))
        ])
        let gate = IngestGate(account: config.accounts["customer"]!, rules: config.rules, engine: engine)
        for n in 0..<1000 {
            gate.receive(MQTTMessage(topic: "in/\(n)", payload: Array(#"{"n":1}"#.utf8), qos: 1))
        }
        try gate.commit()
        #expect(engine.counters("r").value(.rejected) == 1000)
        let warnings = log.messages.filter { $0.contains("rejected") }
        #expect(warnings.count == 1, "\(warnings.count) lines for 1000 rejections")
    }

    final class Lines: Sendable {
        private let storage = Mutex<[String]>([])
        var messages: [String] { storage.withLock { $0 } }

        var logger: Logger {
            Logger(label: "test") { _ in Handler(lines: self) }
        }

        struct Handler: LogHandler {
            let lines: Lines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .info
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                lines.storage.withLock { $0.append(event.message.description) }
            }
        }
    }
}
