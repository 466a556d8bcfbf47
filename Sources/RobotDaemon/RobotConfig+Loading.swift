public import StrictJSON

extension RobotConfig {
    public static let defaultPath = "/etc/robot/config.json"
    public static let driverNames = ["adafruit", "explorerhat", "simulated"]

    /// Loads and validates a config file; every error names the file or the key at fault.
    public static func load(path: String) throws(ConfigError) -> RobotConfig {
        let bytes: [UInt8]
        switch FileAccess.read(path) {
        case .success(let contents): bytes = contents
        case .failure(let error): throw ConfigError(nil, "cannot read config file \(path): \(error)")
        }
        let root: JSONObject
        do {
            guard case .object(let object) = try JSONParser.parse(bytes) else {
                throw ConfigError(nil, "config file \(path) must hold a JSON object")
            }
            root = object
        } catch let error as JSONParseError {
            throw ConfigError(nil, "config file \(path) is not valid JSON: \(error)")
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(nil, "config file \(path): \(error)")
        }
        return try parse(root, directory: FileAccess.directory(of: path))
    }

    /// Validates a parsed config; relative paths resolve against `directory`.
    public static func parse(_ root: JSONObject, directory: String) throws(ConfigError) -> RobotConfig {
        let reader = ConfigReader(root)
        if reader.has("IOT_THINGNAME") {
            return try parseFlat(reader, directory: directory)
        }
        let thingName = try validThingName(reader, "thingName")
        guard let mqttReader = try reader.object("mqtt") else { throw ConfigError("mqtt", "is required") }
        var config = RobotConfig(thingName: thingName, mqtt: try parseMQTT(mqttReader, directory: directory))
        var unknown = reader.unknownKeys(known: ["thingName", "mqtt", "motors", "credentials", "video", "telemetry"])
        unknown += mqttReader.unknownKeys(known: mqttKeys)
        if let motors = try reader.object("motors") {
            config.motors = try parseMotors(motors)
            unknown += motors.unknownKeys(known: motorKeys)
        }
        if let credentials = try reader.object("credentials") {
            config.credentials = try parseCredentials(credentials)
            unknown += credentials.unknownKeys(known: credentialsKeys)
        }
        if let video = try reader.object("video") {
            config.video = try parseVideo(video)
            unknown += video.unknownKeys(known: videoKeys)
        }
        if let telemetry = try reader.object("telemetry") {
            config.telemetry.heartbeatSeconds = try telemetry.int("heartbeatSeconds", in: 0...86_400) ?? 10
            unknown += telemetry.unknownKeys(known: ["heartbeatSeconds"])
        }
        config.unknownKeys = unknown
        return config
    }

    private static let mqttKeys: Set<String> = [
        "endpoint", "port", "caFile", "certFile", "keyFile", "alpn", "keepAliveSeconds", "protocolVersion",
        "reconnectInitialMs", "reconnectMaxMs", "connectTimeoutSeconds",
    ]
    private static let motorKeys: Set<String> = [
        "driver", "speed", "durationMs", "i2cBus", "i2cAddress", "gpioChip", "pwmFrequency", "swap", "invertLeft",
        "invertRight",
    ]

    private static func parseMQTT(_ reader: ConfigReader, directory: String) throws(ConfigError) -> MQTT {
        var mqtt = MQTT(
            endpoint: try reader.requiredString("endpoint"),
            caFile: try tlsFile(reader, "caFile", default: "certs/cacert.pem", directory: directory),
            certFile: try tlsFile(reader, "certFile", default: "certs/certificate.pem", directory: directory),
            keyFile: try tlsFile(reader, "keyFile", default: "certs/private.pem.key", directory: directory)
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

    private static func parseMotors(_ reader: ConfigReader) throws(ConfigError) -> Motors {
        var motors = Motors()
        if let driver = try reader.string("driver") {
            guard driverNames.contains(driver) else {
                throw ConfigError(
                    reader.keyPath("driver"),
                    "unknown driver \"\(driver)\"; expected \(driverNames.joined(separator: ", "))")
            }
            motors.driver = driver
        }
        motors.speed = try reader.double("speed", in: 0...1) ?? motors.speed
        motors.durationMs = try reader.int("durationMs", in: 1...5000) ?? motors.durationMs
        motors.i2cBus = try reader.int("i2cBus", in: 0...255) ?? motors.i2cBus
        motors.i2cAddress = try reader.int("i2cAddress", in: 0x03...0x77) ?? motors.i2cAddress
        motors.gpioChip = try reader.string("gpioChip") ?? motors.gpioChip
        motors.pwmFrequency = try reader.double("pwmFrequency", in: 10...1600)
        motors.swap = try reader.bool("swap") ?? false
        motors.invertLeft = try reader.bool("invertLeft") ?? false
        motors.invertRight = try reader.bool("invertRight") ?? false
        return motors
    }

    /// The original sample's flat `config.json`, with `certs/` beside it and port 443 + ALPN.
    private static func parseFlat(_ reader: ConfigReader, directory: String) throws(ConfigError) -> RobotConfig {
        let thingName = try validThingName(reader, "IOT_THINGNAME")
        let mqtt = MQTT(
            endpoint: try reader.requiredString("IOT_CORE_ENDPOINT"), port: 443,
            caFile: try tlsFile(reader, "caFile", default: "certs/cacert.pem", directory: directory),
            certFile: try tlsFile(reader, "certFile", default: "certs/certificate.pem", directory: directory),
            keyFile: try tlsFile(reader, "keyFile", default: "certs/private.pem.key", directory: directory),
            alpn: "x-amzn-mqtt-ca"
        )
        var config = RobotConfig(thingName: thingName, mqtt: mqtt)
        config.motors.driver = "explorerhat"
        if let endpoint = try reader.string("IOT_GET_CREDENTIAL_ENDPOINT") {
            let (host, port) = try splitEndpoint(endpoint, keyPath: reader.keyPath("IOT_GET_CREDENTIAL_ENDPOINT"))
            config.credentials = Credentials(
                endpoint: host,
                roleAlias: try reader.requiredString("ROLE_ALIAS"),
                region: try reader.string("AWS_DEFAULT_REGION") ?? "us-east-1",
                port: port ?? 443
            )
        }
        config.unknownKeys = reader.unknownKeys(known: [
            "IOT_THINGNAME", "IOT_CORE_ENDPOINT", "IOT_GET_CREDENTIAL_ENDPOINT", "ROLE_ALIAS", "AWS_DEFAULT_REGION",
        ])
        return config
    }

    /// AWS IoT thing names: 1–128 of `a-zA-Z0-9:_-`; they become topic levels, so no `/`, `+` or `#`.
    private static func validThingName(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> String {
        let name = try reader.requiredString(key)
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, name.utf8.count <= 128 else {
            throw ConfigError(
                reader.keyPath(key), "\"\(name)\" is not a valid thing name (1–128 of letters, digits, ':', '_', '-')")
        }
        return name
    }

    private static func tlsFile(_ reader: ConfigReader, _ key: String, default fallback: String, directory: String)
        throws(ConfigError) -> String
    {
        let path = FileAccess.resolve(try reader.string(key) ?? fallback, against: directory)
        if let error = FileAccess.readability(path) {
            throw ConfigError(reader.keyPath(key), "cannot read \(path): \(error)")
        }
        return path
    }
}
