public import JSONConfig
public import StrictJSON

extension RobotConfig {
    public static let defaultPath = "/etc/robot/config.json"
    public static let driverNames = ["adafruit", "explorerhat", "simulated"]
    /// `stateDirectory` when the file does not say (systemd's `StateDirectory=robot`).
    public static let defaultStateDirectory = "/var/lib/robot"

    /// Loads and validates a config file; every error names the file or the key at fault.
    public static func load(path: String) throws(ConfigError) -> RobotConfig {
        try parse(ConfigFile.load(path: path), directory: ConfigFile.directory(of: path))
    }

    /// Validates a parsed config; relative paths resolve against `directory`.
    public static func parse(_ root: JSONObject, directory: String) throws(ConfigError) -> RobotConfig {
        let reader = ConfigReader(root)
        if reader.has("IOT_THINGNAME") {
            return try parseFlat(reader, directory: directory)
        }
        let thingName = try reader.requiredThingName("thingName")
        guard let mqttReader = try reader.object("mqtt") else { throw ConfigError("mqtt", "is required") }
        var config = RobotConfig(thingName: thingName, mqtt: try MQTTSettings.parse(mqttReader, directory: directory))
        var unknown = reader.unknownKeys(known: [
            "thingName", "mqtt", "motors", "credentials", "video", "audio", "telemetry", "battery", "stateDirectory",
        ])
        if let stateDirectory = try reader.string("stateDirectory") {
            config.stateDirectory = FileAccess.resolve(stateDirectory, against: directory)
        }
        unknown += mqttReader.unknownKeys(known: MQTTSettings.keys)
        if let motors = try reader.object("motors") {
            config.motors = try parseMotors(motors)
            unknown += motors.unknownKeys(known: motorKeys)
        }
        if let credentials = try reader.object("credentials") {
            config.credentials = try parseCredentials(credentials)
            unknown += credentials.unknownKeys(known: credentialsKeys)
        }
        if let video = try reader.object("video") {
            config.video = try parseVideo(
                video, thingName: thingName, hasCredentials: config.credentials != nil, directory: directory)
            unknown += video.unknownKeys(known: videoKeys)
            if let kvs = try video.object("kvs") { unknown += kvs.unknownKeys(known: kvsKeys) }
        }
        if let audio = try reader.object("audio") {
            config.audio = try parseAudio(audio, producer: [config.video.program], directory: directory)
            unknown += audio.unknownKeys(known: audioKeys)
        }
        if let telemetry = try reader.object("telemetry") {
            config.telemetry.heartbeatSeconds = try telemetry.int("heartbeatSeconds", in: 0...86_400) ?? 10
            unknown += telemetry.unknownKeys(known: ["heartbeatSeconds"])
        }
        if let battery = try reader.object("battery") {
            config.battery = try parseBattery(battery)
            unknown += battery.unknownKeys(known: batteryKeys)
        }
        config.unknownKeys = unknown
        return config
    }

    private static let motorKeys: Set<String> = [
        "driver", "speed", "durationMs", "i2cBus", "i2cAddress", "gpioChip", "pwmFrequency", "swap", "invertLeft",
        "invertRight", "maxAcceleration", "maxSpeed",
    ]

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
        motors.maxAcceleration = try positive(reader, "maxAcceleration", upTo: 1000)
        motors.maxSpeed = try positive(reader, "maxSpeed", upTo: 1) ?? motors.maxSpeed
        return motors
    }

    /// A number in (0, `limit`]: 0 would never move (or never stop ramping), so it is refused by name.
    static func positive(_ reader: ConfigReader, _ key: String, upTo limit: Double) throws(ConfigError)
        -> Double?
    {
        guard let value = try reader.double(key, in: 0...limit) else { return nil }
        guard value > 0 else { throw ConfigError(reader.keyPath(key), "must be greater than 0, got 0") }
        return value
    }

    /// The original sample's flat `config.json`, with `certs/` beside it and port 443 + ALPN; with a credential
    /// endpoint, video as the original had it: a KVS master on the thing's channel (now robot-webrtc).
    private static func parseFlat(_ reader: ConfigReader, directory: String) throws(ConfigError) -> RobotConfig {
        let thingName = try reader.requiredThingName("IOT_THINGNAME")
        let mqtt = MQTT(
            endpoint: try reader.requiredString("IOT_CORE_ENDPOINT"), port: 443,
            caFile: try reader.readableFile("caFile", default: "certs/cacert.pem", directory: directory),
            certFile: try reader.readableFile("certFile", default: "certs/certificate.pem", directory: directory),
            keyFile: try reader.readableFile("keyFile", default: "certs/private.pem.key", directory: directory),
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
            let (video, warning) = flatVideo(thingName: thingName)
            config.video = video
            config.warnings += warning.map { [$0] } ?? []
        }
        config.unknownKeys = reader.unknownKeys(known: [
            "IOT_THINGNAME", "IOT_CORE_ENDPOINT", "IOT_GET_CREDENTIAL_ENDPOINT", "ROLE_ALIAS", "AWS_DEFAULT_REGION",
        ])
        return config
    }
}
