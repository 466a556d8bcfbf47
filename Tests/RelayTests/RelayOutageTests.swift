import Foundation
import MQTT
import StrictJSON
import Synchronization
import TestSupport
import Testing

/// At-least-once under failure: a destination broker down for 30 s, and the relay killed with SIGKILL mid-stream.
/// 10,000 QoS 1 messages each, every PUBACK awaited by the publisher; every one must arrive. Duplicates are
/// allowed (at-least-once), counted and printed.
@Suite(.serialized) struct RelayOutageTests {
    static let count = 10_000
    static let topic = "cross_account_hooks/111111111111/load"

    @Test func aThirtySecondDestinationOutageLosesNothing() async throws {
        let relay = try await RelayHarness.start()
        defer { Task { await relay.stop() } }
        let receiver = try relay.client(
            onA: false, as: "admin", clientID: "outage-receiver", subscriptions: [.init(Self.topic, qos: 1)])
        try await receiver.waitUntilSubscribed()
        let publisher = try relay.client(onA: true, as: "customer")
        try await publisher.first(timeout: .seconds(5), "CONNACK") { if case .connected = $0 { true } else { false } }

        try await Self.publish(publisher.client, range: 0..<2_000, run: "outage")
        try await relay.brokerB.stop()
        let stoppedAt = ContinuousClock.now
        try await Self.publish(publisher.client, range: 2_000..<Self.count, run: "outage")
        let published = ContinuousClock.now - stoppedAt
        try await Task.sleep(until: stoppedAt + .seconds(30), clock: .continuous)
        try await relay.brokerB.restart()

        let (unique, duplicates) = try await Self.waitForAll(receiver, timeout: .seconds(90))
        print("outage: 8,000 of 10,000 published during the outage in \(published); all \(unique) arrived, \(duplicates) duplicates")
        #expect(unique == Self.count)
        await publisher.client.disconnect()
        await receiver.client.disconnect()
        await relay.stop()
    }

    @Test func aRelayKilledMidStreamLosesNothing() async throws {
        let relay = try await RelayHarness.start()
        defer { Task { await relay.stop() } }
        let receiver = try relay.client(
            onA: false, as: "admin", clientID: "crash-receiver", subscriptions: [.init(Self.topic, qos: 1)])
        try await receiver.waitUntilSubscribed()
        let publisher = try relay.client(onA: true, as: "customer")
        try await publisher.first(timeout: .seconds(5), "CONNACK") { if case .connected = $0 { true } else { false } }

        try await Self.publish(publisher.client, range: 0..<3_000, run: "crash")
        async let publishing: Void = Self.publish(publisher.client, range: 3_000..<Self.count, run: "crash")
        try await Task.sleep(for: .milliseconds(300))
        try await relay.crashAndRestart()
        try await publishing

        let (unique, duplicates) = try await Self.waitForAll(receiver, timeout: .seconds(60))
        print("kill -9 mid-stream: all \(unique) of \(Self.count) arrived, \(duplicates) duplicates")
        #expect(unique == Self.count)
        let rules = try await relay.rules()
        let resumed = relay.counter(rules, rule: "load", "resumed")
        print("after the restart: resumed \(resumed) undelivered deliveries from the queue")
        // Duplicates come from deliveries done but not yet marked done at the crash (resumed) and from messages
        // stored but not yet acknowledged to broker A, which redelivers them (at most its in-flight window, 20).
        #expect(duplicates <= resumed + 20, "duplicates \(duplicates), resumed \(resumed)")
        await publisher.client.disconnect()
        await receiver.client.disconnect()
        await relay.stop()
    }

    /// Publishes `{"seq":N,"run":…}` on `load/N%8` at QoS 1, 500 at a time, each batch's PUBACKs awaited;
    /// `padding` more bytes in each.
    static func publish(_ client: MQTTClient, range: Range<Int>, run: String, padding: Int = 0) async throws {
        let pad = String(repeating: "x", count: padding)
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + 500, range.upperBound)
            let failures = Mutex<[String]>([])
            let (done, continuation) = AsyncStream.makeStream(of: Void.self)
            for seq in start..<end {
                let payload = Array(#"{"seq":\#(seq),"run":"\#(run)","pad":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\#(pad)"}"#.utf8)
                try client.publish(topic: "load/\(seq % 8)", payload: payload, qos: 1, timeout: .seconds(30)) { result in
                    if case .failure(let error) = result { failures.withLock { $0.append("\(seq): \(error)") } }
                    continuation.yield()
                }
            }
            var settled = 0
            for await _ in done {
                settled += 1
                if settled == end - start { break }
            }
            let failed = failures.withLock { $0 }
            guard failed.isEmpty else { throw TestSupportError("publish failed: \(failed.prefix(3))") }
            start = end
        }
    }

    /// Waits until every seq arrived; returns (unique, duplicates).
    static func waitForAll(_ receiver: MQTTRecorder, count: Int = count, timeout: Duration) async throws -> (Int, Int) {
        let deadline = ContinuousClock.now + timeout
        var seen = Set<Int>()
        var total = 0
        var index = 0
        while true {
            let messages = receiver.messages
            for message in messages[index...] {
                if let seq = (try? JSONParser.parse(message.payload))?["seq"]?.intValue {
                    seen.insert(seq)
                    total += 1
                }
            }
            index = messages.count
            if seen.count >= count || ContinuousClock.now > deadline {
                if seen.count < count {
                    let missing = (0..<count).filter { !seen.contains($0) }
                    print("missing \(missing.count), first: \(missing.prefix(20))")
                }
                return (seen.count, total - seen.count)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
