import Basics
import JSONConfig
import MQTT
import Testing

@Suite struct MQTTOptionsSettingsTests {
    @Test func theSharedSectionAndWhatDiffersMakeTheOptions() {
        var settings = MQTTSettings(
            endpoint: "broker.example", port: 443, caFile: "/c/ca.pem", certFile: "/c/cert.pem", keyFile: "/c/key.pem",
            alpn: "x-amzn-mqtt-ca")
        settings.keepAliveSeconds = 45
        settings.protocolVersion = 5
        settings.reconnectInitialMs = 200
        settings.reconnectMaxMs = 3000
        settings.connectTimeoutSeconds = 7
        let options = MQTTOptions(
            settings: settings, clientID: "relay-a", cleanSession: false, subscriptions: [.init("t/#", qos: 1)],
            backoffJitter: 0.5, maxInflightMessages: 64)
        #expect(
            options
                == MQTTOptions(
                    host: "broker.example", port: 443, clientID: "relay-a", caFile: "/c/ca.pem",
                    certFile: "/c/cert.pem", keyFile: "/c/key.pem", alpn: "x-amzn-mqtt-ca", keepAliveSeconds: 45,
                    cleanSession: false, protocolVersion: .v5, subscriptions: [.init("t/#", qos: 1)],
                    backoff: CappedBackoff(initial: .milliseconds(200), maximum: .milliseconds(3000), jitter: 0.5),
                    connectTimeout: .seconds(7), maxInflightMessages: 64))
    }

    @Test func theDefaultsAreACleanSessionWithoutJitterOnMQTT311() {
        let settings = MQTTSettings(endpoint: "localhost", caFile: "ca", certFile: "cert", keyFile: "key")
        let options = MQTTOptions(settings: settings, clientID: "robot-1")
        #expect(options.cleanSession && options.subscriptions.isEmpty && options.maxInflightMessages == nil)
        #expect(options.protocolVersion == .v311 && options.port == 8883 && options.keepAliveSeconds == 30)
        #expect(options.backoff == CappedBackoff(initial: .milliseconds(100), maximum: .milliseconds(1500)))
        #expect(options.connectTimeout == .seconds(10))
    }
}
