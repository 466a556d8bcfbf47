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
    @Test func rejectionsWithoutAnErrorActionAreCountedEachAndLoggedOnce() throws {
        let config = try RelayConfigTests.parse(
            rules: #"{"name":"r","source":{"account":"customer","topic":"in/+"},"require":["thingName"],"#
                + #""targets":[{"mqtt":{"account":"customer","topic":"out"}}]}"#)
        let queue = try DurableQueue(path: ScratchDirectory.make("ingest-log").appending(path: "relay.db").path)
        defer { queue.close() }
        let log = Lines()
        let plan = try RelayPlan(config)
        let lanes = RelayLanes(plan)
        let connection = try #require(plan.connections.first { $0.account.name == "customer" })
        let gate = IngestGate(
            connection: connection, plan: plan, lanes: lanes, queue: queue, messageIDs: MessageIDs(), logger: log.logger)
        for n in 0..<1000 {
            gate.receive(MQTTMessage(topic: "in/\(n)", payload: Array(#"{"n":1}"#.utf8), qos: 1))
        }
        try gate.commit()
        #expect(lanes[plan.rules[0].id].counters.value(.rejected) == 1000)
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
