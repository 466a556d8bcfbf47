import AsyncHTTPClient
import Foundation
import MQTT
import StrictJSON
import TestSupport
import Testing

/// The seeds' flows end to end: real brokers with their own CAs and ACLs, moto's SQS, the built robot-server.
@Suite(.serialized) struct RelayEndToEndTests {
    /// seeds/002: `data/private` → SQS `iot-data` in the data account; the body is base64 of the original.
    /// A queue that does not exist → the original message on `error/rules` with the reason.
    @Test func privateDataReachesTheQueueInTheDataAccountAndFailuresReachErrorRules() async throws {
        let relay = try await RelayHarness.start()
        defer { Task { await relay.stop() } }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await http.shutdown() } }
        let sqs = relay.sqs(http)
        let queueURL = try await sqs.createQueue(name: "iot-data")

        let customer = try relay.client(onA: true, as: "customer", subscriptions: [.init("error/#", qos: 1)])

        try await customer.waitUntilSubscribed()
        let original = #"{"message":"Hello, world","clientType":"MQTT client"}"#
        try await customer.client.publishAndWait(topic: "data/private", payload: Array(original.utf8))

        var bodies: [String] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while bodies.isEmpty, ContinuousClock.now < deadline {
            bodies += try await sqs.receiveMessages(queueURL: queueURL, max: 10, waitSeconds: 1).map(\.body)
        }
        #expect(bodies.count == 1)
        let decoded = bodies.first.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        #expect(decoded == original)

        try await customer.client.publishAndWait(topic: "data/missing", payload: Array(original.utf8))
        let report = try await customer.waitForMessage(topic: "error/rules", timeout: .seconds(10))
        let json = try JSONParser.parse(report.payload)
        #expect(json["rule"]?.stringValue == "missing-queue")
        #expect(json["reason"]?.stringValue?.contains("no-such-queue") == true, "\(json)")
        #expect(json["payload"]?["message"]?.stringValue == "Hello, world")
        #expect(json["target"]?.stringValue == "sqs:data/no-such-queue")

        let rules = try await relay.rules()
        #expect(relay.counter(rules, rule: "private-to-sqs", "delivered") == 1)
        #expect(relay.counter(rules, rule: "missing-queue", "dead_lettered") == 1)
        await customer.client.disconnect()
        await relay.stop()
    }

    /// seeds/000 and 001: `account` and `operation` come from the trusted context, whatever the customer wrote;
    /// a payload without `thingName` goes to the error action; a valid one reaches the partner's debug topic.
    @Test func createThingEventsAreEnrichedWithTrustedFieldsAndValidated() async throws {
        let relay = try await RelayHarness.start()
        defer { Task { await relay.stop() } }
        let partner = try relay.client(onA: false, as: "admin", subscriptions: [.init("cross_account_hooks/#", qos: 1)])

        try await partner.waitUntilSubscribed()
        let customer = try relay.client(onA: true, as: "customer", subscriptions: [.init("error/#", qos: 1)])

        try await customer.waitUntilSubscribed()

        let spoof = #"{"thingName":"robot-7","account":"999999999999","operation":"DeleteEverything"}"#
        try await customer.client.publishAndWait(
            topic: "cross_account_hooks/111111111111/create_thing", payload: Array(spoof.utf8))
        let event = try await partner.waitForMessage(
            topic: "cross_account_hooks/111111111111/debug/create_thing", timeout: .seconds(10))
        let json = try JSONParser.parse(event.payload)
        #expect(json["thingName"]?.stringValue == "robot-7")
        #expect(json["account"]?.stringValue == RelayHarness.customerID)
        #expect(json["operation"]?.stringValue == "create_thing")
        #expect(json["relayedAt"]?.doubleValue ?? 0 > 1_700_000_000_000)
        #expect(json["relayId"]?.stringValue?.isEmpty == false)

        try await customer.client.publishAndWait(
            topic: "cross_account_hooks/111111111111/create_thing", payload: Array(#"{"attributes":{}}"#.utf8))
        let report = try JSONParser.parse(
            try await customer.waitForMessage(topic: "error/rules", timeout: .seconds(10)).payload)
        #expect(report["rule"]?.stringValue == "create-thing-hook")
        #expect(report["reason"]?.stringValue == "required field thingName is missing")

        try await customer.client.publishAndWait(
            topic: "cross_account_hooks/111111111111/create_thing", payload: Array("not json".utf8))
        let second = try await customer.waitForMessage(topic: "error/rules", after: 1, timeout: .seconds(10))
        let notJSON = try JSONParser.parse(second.payload)
        #expect(notJSON["reason"]?.stringValue?.hasPrefix("the payload is not JSON") == true)
        #expect(notJSON["base64Payload"]?.stringValue == "bm90IGpzb24=")

        let rules = try await relay.rules()
        #expect(relay.counter(rules, rule: "create-thing-hook", "received") == 3)
        #expect(relay.counter(rules, rule: "create-thing-hook", "delivered") == 1)
        #expect(relay.counter(rules, rule: "create-thing-hook", "rejected") == 2)
        await partner.client.disconnect()
        await customer.client.disconnect()
        await relay.stop()
    }
}

extension RelayEndToEndTests {
    /// A webhook target: retried on 5xx with the same message id until it takes the message; a 4xx refusal goes to
    /// the error action at once. Counters and metrics show both.
    @Test func webhooksAreRetriedOnServerErrorsAndRefusalsGoToTheErrorAction() async throws {
        let hook = try await WebhookReceiver(statuses: [503, 500])
        defer { hook.stop() }
        let refusing = try await WebhookReceiver(statuses: [403])
        defer { refusing.stop() }
        let rules = [
            """
            {"name":"hook","source":{"account":"customer","topic":"data/hook"},
             "targets":[{"webhook":{"url":"http://127.0.0.1:\(hook.port)/hook","headers":{"Authorization":"Bearer s3cret"}}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}},"retry":{"initialMs":50,"maxMs":200}}
            """,
            """
            {"name":"refused","source":{"account":"customer","topic":"data/refused"},
             "targets":[{"webhook":{"url":"http://127.0.0.1:\(refusing.port)/hook"}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}}}
            """,
        ]
        let relay = try await RelayHarness.start(extraRules: rules)
        defer { Task { await relay.stop() } }
        let customer = try relay.client(onA: true, as: "customer", subscriptions: [.init("error/#", qos: 1)])
        try await customer.waitUntilSubscribed()

        try await customer.client.publishAndWait(topic: "data/hook", payload: Array(#"{"n":1}"#.utf8))
        let attempts = try await hook.waitFor(3, timeout: .seconds(10))
        #expect(attempts.map(\.body) == [#"{"n":1}"#, #"{"n":1}"#, #"{"n":1}"#])
        #expect(Set(attempts.map(\.messageID)).count == 1 && attempts[0].messageID != nil, "one stable id")
        #expect(attempts[0].rule == "hook" && attempts[0].authorization == "Bearer s3cret")

        try await customer.client.publishAndWait(topic: "data/refused", payload: Array(#"{"n":2}"#.utf8))
        let report = try JSONParser.parse(try await customer.waitForMessage(topic: "error/rules", timeout: .seconds(10)).payload)
        #expect(report["rule"]?.stringValue == "refused")
        #expect(report["reason"]?.stringValue?.hasSuffix("HTTP 403") == true, "\(report)")
        #expect(refusing.requests.count == 1)

        try await Task.sleep(for: .milliseconds(200))
        let status = try await relay.rules()
        #expect(relay.counter(status, rule: "hook", "retried") == 2)
        #expect(relay.counter(status, rule: "hook", "delivered") == 1)
        #expect(relay.counter(status, rule: "refused", "dead_lettered") == 1)
        #expect(relay.counter(status, rule: "refused", "error_actions") == 1)
        let (_, metrics) = try await HTTPGet.fetch("http://127.0.0.1:\(relay.httpPort)/metrics")
        #expect(metrics.contains(#"relay_delivered_total{rule="hook"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("relay_") })")
        #expect(metrics.contains(#"relay_queue_depth{"#))
        await customer.client.disconnect()
        await relay.stop()
    }

    /// A rule that crosses into another account without its grant stops robot-server at start, naming the rule,
    /// both accounts and the grant to add.
    @Test func aRuleWithoutAGrantStopsTheServerAtStart() async throws {
        let folder = try ScratchDirectory.make("relay-grant")
        let pki = try TestPKI.make(clients: TestPKI.defaultClients + ["relay"])
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki-a"), withDestinationURL: pki.directory)
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki-b"), withDestinationURL: pki.directory)
        let section = RelayHarness.relaySection(brokerA: 1, brokerB: 2, sqs: "http://127.0.0.1:1").replacingOccurrences(
            of: #""grants":[{"from":"customer","topics":["cross_account_hooks/111111111111/#","denied/#"]}]"#,
            with: #""grants":[]"#)
        let config = folder.appending(path: "server.json")
        try """
        {"mqtt":{"endpoint":"localhost","caFile":"pki-a/ca.crt","certFile":"pki-a/robot-server.crt","keyFile":"pki-a/robot-server.key"},
         "robots":["sts-pi"],"auth":{"disabled":true},"relay":\(section)}
        """.write(to: config, atomically: true, encoding: .utf8)
        let server = try ChildProcess.start(try RepositoryPaths.product("robot-server").path, ["--config", config.path])
        let termination = try await server.waitForExit(timeout: .seconds(10))
        #expect(termination == .exited(1))
        #expect(
            server.standardError.contains(
                #"Error: relay.rules[0].targets[0]: rule "create-thing-hook" publishes from account "customer" (111111111111) to account "partner" (222222222222) on "cross_account_hooks/${accountId}/debug/${topic(3)}", but "partner" has no grant from "customer" covering that topic"#
            ), "\(server.standardError)")
    }
}

extension RelayEndToEndTests {
    /// Scale-out: two relay instances subscribe with the same `shareGroup` (`$share/relays/shared/+`, MQTT shared
    /// subscriptions in mosquitto 2 and AWS IoT Core); the broker splits the stream between them, nothing is lost
    /// and nothing is relayed twice.
    @Test func twoInstancesInOneShareGroupSplitTheStream() async throws {
        let shared = """
            {"name":"shared","source":{"account":"customer","topic":"load/+","shareGroup":"relays"},
             "targets":[{"mqtt":{"account":"partner","topic":"cross_account_hooks/${accountId}/shared"}}]}
            """
        let relay = try await RelayHarness.start(extraRules: [shared])
        defer { Task { await relay.stop() } }
        // The second instance: its own queue, client ids and port; the same rules.
        let secondPort = try FreePort.next()
        var text = try String(contentsOf: relay.configFile, encoding: .utf8)
        for (from, to) in [
            (#""path":"relay.db""#, #""path":"relay-2.db""#), (#""clientId":"relay-customer""#, #""clientId":"relay-customer-2""#),
            (#""clientId":"relay-partner""#, #""clientId":"relay-partner-2""#), (#""clientId":"robot-server""#, #""clientId":"robot-server-2""#),
            (#""port":\#(relay.httpPort)}"#, #""port":\#(secondPort)}"#),
        ] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        let secondConfig = relay.folder.appending(path: "server-2.json")
        try text.write(to: secondConfig, atomically: true, encoding: .utf8)
        let second = try await RelayHarness.startServer(secondConfig)
        defer { Task { _ = try? await second.terminate() } }

        let receiver = try relay.client(
            onA: false, as: "admin", subscriptions: [.init("cross_account_hooks/111111111111/shared", qos: 1)])
        try await receiver.waitUntilSubscribed()
        let publisher = try relay.client(onA: true, as: "customer")
        try await publisher.first(timeout: .seconds(5), "CONNACK") { if case .connected = $0 { true } else { false } }
        try await RelayOutageTests.publish(publisher.client, range: 0..<2_000, run: "shared")

        let (unique, duplicates) = try await RelayOutageTests.waitForAll(receiver, count: 2_000, timeout: .seconds(30))
        #expect(unique == 2_000 && duplicates == 0, "unique \(unique), duplicates \(duplicates)")
        let first = relay.counter(try await relay.rules(), rule: "shared", "received")
        let (_, body) = try await HTTPGet.fetch("http://127.0.0.1:\(secondPort)/relay/rules")
        let other = relay.counter(try JSONParser.parse(body), rule: "shared", "received")
        print("shared subscription: instance 1 relayed \(first), instance 2 relayed \(other)")
        #expect(first > 0 && other > 0 && first + other == 2_000, "\(first) + \(other)")
        await publisher.client.disconnect()
        await receiver.client.disconnect()
        _ = try? await second.terminate()
        await relay.stop()
    }
}

extension RelayEndToEndTests {
    /// The relay's grant says yes but the partner broker's own policy says no (its ACL lets the relay publish only
    /// under cross_account_hooks/111111111111/#): MQTT v5's PUBACK carries the refusal, and the message goes to the
    /// error action with the broker's reason instead of being silently dropped.
    @Test func aPublishTheDestinationBrokerRefusesGoesToTheErrorAction() async throws {
        let denied = """
            {"name":"denied","source":{"account":"customer","topic":"data/denied"},
             "targets":[{"mqtt":{"account":"partner","topic":"denied/data"}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}}}
            """
        let relay = try await RelayHarness.start(extraRules: [denied])
        defer { Task { await relay.stop() } }
        let customer = try relay.client(onA: true, as: "customer", subscriptions: [.init("error/#", qos: 1)])
        try await customer.waitUntilSubscribed()
        try await customer.client.publishAndWait(topic: "data/denied", payload: Array(#"{"secret":1}"#.utf8))
        let report = try JSONParser.parse(try await customer.waitForMessage(topic: "error/rules", timeout: .seconds(10)).payload)
        #expect(report["rule"]?.stringValue == "denied")
        #expect(report["reason"]?.stringValue?.hasSuffix("the broker refused the message: Not authorized (0x87)") == true, "\(report)")
        #expect(report["target"]?.stringValue == "mqtt:partner/denied/data")
        #expect(report["payload"]?["secret"]?.intValue == 1)
        _ = try await relay.brokerB.waitForLog(containing: "Denied PUBLISH")
        await customer.client.disconnect()
        await relay.stop()
    }
}
