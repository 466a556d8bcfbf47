import ArgumentParser
import MQTT

/// Where one side of the benchmark connects: a TLS broker with a client certificate.
struct BrokerOptions: ParsableArguments {
    @Option(help: "Broker host (must match the broker certificate's name or IP).") var host = "localhost"
    @Option(help: "Broker port.") var port = 8883
    @Option(help: "CA certificate that issued the broker's certificate.") var caFile: String
    @Option(help: "Client certificate.") var certFile: String
    @Option(help: "Client key.") var keyFile: String
    @Option(
        help:
            "MQTT client id (default: relay-bench-publish-<pid>, or relay-bench-receive: fixed, for its persistent session)."
    )
    var clientId: String?
    @Option(help: "Seconds to wait for the broker to accept the connection.") var connectTimeout = 10

    func options(
        clientID: String, cleanSession: Bool, subscriptions: [MQTTOptions.Subscription] = [],
        maxInflightMessages: Int? = nil
    ) -> MQTTOptions {
        MQTTOptions(
            host: host, port: port, clientID: clientID, caFile: caFile, certFile: certFile, keyFile: keyFile,
            cleanSession: cleanSession, subscriptions: subscriptions, connectTimeout: .seconds(connectTimeout),
            maxInflightMessages: maxInflightMessages)
    }
}
