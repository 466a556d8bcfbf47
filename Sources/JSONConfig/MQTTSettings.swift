/// The `mqtt` section shared by robotd and robot-server: how to reach the broker over TLS with a
/// client certificate (AWS IoT Core or a local mosquitto).
///
/// File paths are resolved against the config file's folder and checked readable at load.
public struct MQTTSettings: Sendable, Equatable {
    public var endpoint: String
    public var port: Int = 8883
    public var caFile: String
    public var certFile: String
    public var keyFile: String
    /// `x-amzn-mqtt-ca` to reach AWS IoT Core on port 443.
    public var alpn: String?
    public var keepAliveSeconds: Int = 30
    /// 4 (MQTT 3.1.1) or 5.
    public var protocolVersion: Int = 4
    public var reconnectInitialMs: Int = 100
    public var reconnectMaxMs: Int = 1500
    /// How long the TLS handshake may take before the attempt is abandoned and retried.
    public var connectTimeoutSeconds: Int = 10

    public init(
        endpoint: String, port: Int = 8883, caFile: String, certFile: String, keyFile: String, alpn: String? = nil
    ) {
        self.endpoint = endpoint
        self.port = port
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.alpn = alpn
    }

    /// The keys ``parse(_:directory:)`` reads; a component may accept more in the same object.
    public static let keys: Set<String> = [
        "endpoint", "port", "caFile", "certFile", "keyFile", "alpn", "keepAliveSeconds", "protocolVersion",
        "reconnectInitialMs", "reconnectMaxMs", "connectTimeoutSeconds",
    ]

    /// Reads and validates the section; relative file paths resolve against `directory`.
    public static func parse(_ reader: ConfigReader, directory: String) throws(ConfigError) -> MQTTSettings {
        var mqtt = MQTTSettings(
            endpoint: try reader.requiredString("endpoint"),
            caFile: try reader.readableFile("caFile", default: "certs/cacert.pem", directory: directory),
            certFile: try reader.readableFile("certFile", default: "certs/certificate.pem", directory: directory),
            keyFile: try reader.readableFile("keyFile", default: "certs/private.pem.key", directory: directory)
        )
        mqtt.port = try reader.int("port", in: 1...65_535) ?? mqtt.port
        mqtt.alpn = try reader.string("alpn")
        mqtt.keepAliveSeconds = try reader.int("keepAliveSeconds", in: 5...65_535) ?? mqtt.keepAliveSeconds
        if let version = try reader.int("protocolVersion", in: 4...5) { mqtt.protocolVersion = version }
        mqtt.reconnectInitialMs = try reader.int("reconnectInitialMs", in: 10...60_000) ?? mqtt.reconnectInitialMs
        mqtt.reconnectMaxMs =
            try reader.int("reconnectMaxMs", in: mqtt.reconnectInitialMs...600_000)
            ?? max(mqtt.reconnectMaxMs, mqtt.reconnectInitialMs)
        mqtt.connectTimeoutSeconds = try reader.int("connectTimeoutSeconds", in: 1...300) ?? mqtt.connectTimeoutSeconds
        return mqtt
    }
}
