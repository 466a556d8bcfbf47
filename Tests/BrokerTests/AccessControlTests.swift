import Testing
import TestSupport

/// The broker's ACL mirrors the AWS IoT policy of the original sample: a robot reads only
/// `<thing>/action` and writes only `<thing>/telemetry`.
///
/// MQTT 3.1.1 drops a denied publish silently, so "it never arrives" is shown against an
/// admin subscriber on `#`: after the denied publishes, one allowed publish is sent and
/// must arrive (so the subscriber demonstrably works), then nothing else may arrive
/// within a further 500 ms. The broker's log must also name each denial.
@Suite struct AccessControlTests {
    @Test func robotPublishesOnlyItsOwnTelemetry() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let watcher = try await broker.cli.subscribe(to: "#", as: "admin")

        for topic in ["other-robot/action", "sts-pi/action", "other-robot/telemetry", "sts-pi/other"] {
            try await broker.cli.publish(topic: topic, message: #"{"action":"forward"}"#, as: "sts-pi", qos: 1)
        }
        try await broker.cli.publish(topic: "sts-pi/telemetry", message: #"{"event":"online"}"#, as: "sts-pi")

        try await watcher.waitForMessage(topic: "sts-pi/telemetry")
        try await Task.sleep(for: .milliseconds(500))
        #expect(watcher.messages.map(\.topic) == ["sts-pi/telemetry"])
        for topic in ["other-robot/action", "sts-pi/action", "other-robot/telemetry", "sts-pi/other"] {
            try await broker.waitForLog(containing: "Denied PUBLISH from")
            #expect(broker.log.contains("'\(topic)'"), "the broker did not log the denied publish on \(topic)")
        }
    }

    @Test func robotReceivesOnlyItsOwnActions() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let watcher = try await broker.cli.subscribe(to: "#", as: "admin")
        // mosquitto grants the subscription to "#": the ACL filters delivery.
        let robot = try await broker.cli.subscribe(to: "+/action", "#", as: "sts-pi")

        try await broker.cli.publish(topic: "other-robot/action", message: #"{"action":"left"}"#, as: "operator")
        try await broker.cli.publish(topic: "sts-pi/telemetry", message: #"{"event":"online"}"#, as: "sts-pi")
        try await broker.cli.publish(topic: "sts-pi/action", message: #"{"action":"forward"}"#, as: "operator")

        // The admin sees all three, so they were published and routed.
        try await watcher.waitForMessages(count: 3)
        let received = try await robot.waitForMessage(topic: "sts-pi/action")
        #expect(received.text == #"{"action":"forward"}"#)
        try await Task.sleep(for: .milliseconds(500))
        #expect(robot.messages.map(\.topic) == ["sts-pi/action"])
    }

    @Test(arguments: ["operator", "robot-server"])
    func driversSendActionsAndWatchTelemetryOnly(driver: String) async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let watcher = try await broker.cli.subscribe(to: "#", as: "admin")
        let driverView = try await broker.cli.subscribe(to: "#", as: driver)

        // A driver cannot forge telemetry or talk on other topics…
        try await broker.cli.publish(topic: "sts-pi/telemetry", message: #"{"event":"forged"}"#, as: driver)
        try await broker.cli.publish(topic: "diagnostics/x", message: "x", as: driver)
        // …but drives any robot, and sees any robot's telemetry and not its actions.
        try await broker.cli.publish(topic: "other-robot/action", message: #"{"action":"stop"}"#, as: driver)
        try await broker.cli.publish(topic: "sts-pi/telemetry", message: #"{"event":"online"}"#, as: "sts-pi")

        try await driverView.waitForMessage(topic: "sts-pi/telemetry")
        try await watcher.waitForMessages(count: 2)
        try await Task.sleep(for: .milliseconds(500))
        #expect(watcher.messages.map(\.topic) == ["other-robot/action", "sts-pi/telemetry"])
        #expect(watcher.messages.last?.text == #"{"event":"online"}"#)
        #expect(driverView.messages.map(\.topic) == ["sts-pi/telemetry"])
    }

    @Test func oversizePacketsAreRefusedByTheBroker() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let watcher = try await broker.cli.subscribe(to: "#", as: "admin")
        // max_packet_size 131072 applies to the whole packet: topic and header included.
        let tooLarge = [UInt8](repeating: UInt8(ascii: "a"), count: 131_072)
        let large = [UInt8](repeating: UInt8(ascii: "b"), count: 100 * 1024)

        // mosquitto_pub may or may not notice that the broker hung up on it.
        try? await broker.cli.publish(topic: "sts-pi/action", bytes: tooLarge, as: "admin")
        try await broker.cli.publish(topic: "sts-pi/action", bytes: large, as: "admin")

        let received = try await watcher.waitForMessage()
        #expect(received.payload == large)
        try await Task.sleep(for: .milliseconds(300))
        #expect(watcher.messages.count == 1)
    }

    @Test func aCustomACLReplacesTheDefaultOne() async throws {
        // Two brokers standing in for two accounts have ACLs of their own.
        let acl = """
            user admin
            topic read #
            topic write allowed/#
            """
        let broker = try await MosquittoBroker.start(pki: TestPKI.make(), acl: acl)
        let watcher = try await broker.cli.subscribe(to: "#", as: "admin")

        try await broker.cli.publish(topic: "sts-pi/telemetry", message: "denied now", as: "sts-pi")
        try await broker.cli.publish(topic: "diagnostics/x", message: "denied", as: "admin")
        try await broker.cli.publish(topic: "allowed/x", message: "ok", as: "admin")

        try await watcher.waitForMessage(topic: "allowed/x")
        try await Task.sleep(for: .milliseconds(300))
        #expect(watcher.messages.map(\.topic) == ["allowed/x"])
    }
}
