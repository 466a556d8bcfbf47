import Foundation
import MQTT
import Logging
import TestSupport
import Testing

/// The libmosquitto client against a real mosquitto over TLS with client certificates.
@Suite(.timeLimit(.minutes(1))) struct MQTTClientTests {
    let logger = Logger(label: "test")

    @Test func roundTripsBinaryPayloadsOverMutualTLS() async throws {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)
        let subscriber = MQTTRecorder(
            try MQTTClient(
                options: .local("admin", pki: pki, port: broker.port, subscriptions: [.init("t/#")]), logger: logger))
        try await subscriber.waitUntilSubscribed()
        let publisher = MQTTRecorder(
            try MQTTClient(options: .local("admin", pki: pki, port: broker.port), logger: logger))
        try await publisher.first { if case .connected = $0 { true } else { false } }

        let payload: [UInt8] = [0x7B, 0xFF, 0x00, 0xC3, 0x28, 0x7D]  // not UTF-8, with a NUL: bytes must pass untouched
        try await publisher.client.publishAndWait(topic: "t/binary", payload: payload, qos: 1)
        let message = try await subscriber.message { $0.topic == "t/binary" }
        #expect(message.payload == payload)
        #expect(message.qos == 1)
        await publisher.client.disconnect()
        await subscriber.client.disconnect()
    }

    @Test func missingKeyFileIsNamed() throws {
        let pki = try TestPKI.make()
        var options = MQTTOptions.local("admin", pki: pki, port: 1)
        options.keyFile = "/nonexistent/robot.key"
        #expect {
            try MQTTClient(options: options, logger: logger)
        } throws: { error in
            "\(error)" == "cannot read the key file '/nonexistent/robot.key': No such file or directory"
        }
    }

    @Test func certificateFromAnotherCAFailsTheHandshakeWithAReason() async throws {
        let pki = try TestPKI.make()
        let stranger = try TestPKI.makeIndependent(clients: ["sts-pi"])
        let broker = try await MosquittoBroker.start(pki: pki)
        // Trust our broker's CA, but present a certificate it did not issue.
        var options = MQTTOptions.local("sts-pi", pki: stranger, port: broker.port)
        options.caFile = pki.caFile.path
        let client = MQTTRecorder(try MQTTClient(options: options, logger: logger))
        let failure = try await client.first {
            if case .connectFailed = $0 { true } else if case .connectionLost = $0 { true } else { false }
        }
        #expect(!client.client.isConnected)
        if case .connectFailed(let reason, let retryIn) = failure.event {
            #expect(reason.contains("localhost:\(broker.port)"), "reason names the endpoint: \(reason)")
            #expect(retryIn <= .milliseconds(1500))
        }
        await client.client.disconnect()
    }

    @Test func untrustedBrokerIsRefused() async throws {
        let pki = try TestPKI.make()
        let stranger = try TestPKI.makeIndependent(clients: ["admin"])
        let broker = try await MosquittoBroker.start(pki: pki)
        var options = MQTTOptions.local("admin", pki: pki, port: broker.port)
        options.caFile = stranger.caFile.path  // we do not trust the broker's CA
        let client = MQTTRecorder(try MQTTClient(options: options, logger: logger))
        let failure = try await client.first { if case .connectFailed = $0 { true } else { false } }
        guard case .connectFailed(let reason, _) = failure.event else { return }
        #expect(reason.contains("TLS handshake with localhost:\(broker.port) failed"), "\(reason)")
        #expect(reason.contains("certificate verify failed"), "\(reason)")
        await client.client.disconnect()
    }

    @Test func connectsOnceABrokerThatWasDownComesUp() async throws {
        let pki = try TestPKI.make()
        let port = try FreePort.next()
        let client = MQTTRecorder(
            try MQTTClient(options: .local("admin", pki: pki, port: port, subscriptions: [.init("x")]), logger: logger))
        try await client.first { if case .connectFailed = $0 { true } else { false } }
        let broker = try await MosquittoBroker.start(pki: pki, port: port)
        let started = ContinuousClock.now
        let subscribed = try await client.first(timeout: .seconds(5)) {
            if case .subscribed = $0 { true } else { false }
        }
        #expect(subscribed.at - started < .seconds(2))
        _ = broker
        await client.client.disconnect()
    }

    @Test func restartedBrokerIsReconnectedAndResubscribedWithinTwoSeconds() async throws {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)
        let client = MQTTRecorder(
            try MQTTClient(
                options: .local("admin", pki: pki, port: broker.port, subscriptions: [.init("r/+", qos: 1)]),
                logger: logger))
        try await client.waitUntilSubscribed()

        try await broker.kill()
        try await client.first { if case .connectionLost = $0 { true } else { false } }
        #expect(!client.client.isConnected)
        #expect(throws: MQTTError.self) { try client.client.publish(topic: "r/1", payload: [1]) }
        try await Task.sleep(for: .seconds(3))  // let the back-off grow to its cap
        client.clear()

        try await broker.restart()
        let restarted = ContinuousClock.now
        let subscribed = try await client.first(timeout: .seconds(5)) {
            if case .subscribed = $0 { true } else { false }
        }
        let elapsed = subscribed.at - restarted
        #expect(elapsed < .seconds(2), "re-subscribed \(elapsed) after the broker came back")

        // The renewed subscription really delivers.
        let publisher = MQTTRecorder(
            try MQTTClient(options: .local("admin", pki: pki, port: broker.port), logger: logger))
        try await publisher.first { if case .connected = $0 { true } else { false } }
        try await publisher.client.publishAndWait(topic: "r/2", payload: Array("after".utf8))
        let message = try await client.message { $0.topic == "r/2" }
        #expect(message.payload == Array("after".utf8))
        await publisher.client.disconnect()
        await client.client.disconnect()
    }

    @Test func disconnectFinishesTheEventsWithoutTheLastWill() async throws {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)
        let watcher = MQTTRecorder(
            try MQTTClient(
                options: .local("admin", pki: pki, port: broker.port, subscriptions: [.init("will/#")]), logger: logger)
        )
        try await watcher.waitUntilSubscribed()
        let client = try MQTTClient(options: .local("admin", pki: pki, port: broker.port), logger: logger) {
            MQTTOptions.Will(topic: "will/x", payload: Array("gone".utf8))
        }
        let recorder = MQTTRecorder(client)
        try await recorder.first { if case .connected = $0 { true } else { false } }
        await client.disconnect()
        try await recorder.first {
            if case .connectionLost(let reason) = $0 { reason == "disconnected by client" } else { false }
        }
        #expect(!client.isConnected)
        // A control message published after the would-be will proves the watcher was listening.
        try await watcher.client.publishAndWait(topic: "will/control", payload: [1])
        _ = try await watcher.message { $0.topic == "will/control" }
        #expect(!watcher.messages.contains { $0.topic == "will/x" })
        await #expect(throws: MQTTError.self) { try await client.publishAndWait(topic: "will/late", payload: [1]) }
        await watcher.client.disconnect()
    }
}
