public import JSONConfig
public import StrictJSON
import Relay

extension ServerConfig {
    /// Loads and validates a config file; every error names the file or the key at fault
    /// (`auth.tokens[0].sha256: must be 64 hex digits …`).
    public static func load(path: String) throws(ConfigError) -> ServerConfig {
        try parse(ConfigFile.load(path: path), directory: ConfigFile.directory(of: path))
    }

    /// Validates a parsed config; relative paths resolve against `directory`.
    public static func parse(_ root: JSONObject, directory: String) throws(ConfigError) -> ServerConfig {
        let reader = ConfigReader(root)
        var unknown = reader.unknownKeys(known: [
            "listen", "mqtt", "robots", "defaultRobot", "auth", "cors", "relay", "video", "control",
            "cluster",
        ])

        guard let mqttReader = try reader.object("mqtt") else { throw ConfigError("mqtt", "is required") }
        var mqtt = MQTT(settings: try MQTTSettings.parse(mqttReader, directory: directory))
        let clientID = try mqttReader.string("clientId")
        mqtt.clientID = clientID ?? mqtt.clientID
        mqtt.publishTimeoutMs = try mqttReader.int("publishTimeoutMs", in: 100...60_000) ?? mqtt.publishTimeoutMs
        unknown += mqttReader.unknownKeys(known: MQTTSettings.keys.union(["clientId", "publishTimeoutMs"]))

        let robots = try parseRobots(reader)
        let defaultRobot = try reader.string("defaultRobot") ?? robots[0]
        guard robots.contains(defaultRobot) else {
            throw ConfigError(
                "defaultRobot", "\"\(defaultRobot)\" is not in robots (\(robots.joined(separator: ", ")))")
        }

        guard let authReader = try reader.object("auth") else {
            throw ConfigError(
                "auth", "is required: configure tokens or jwt (or \"disabled\": true for a local demo only)")
        }
        let auth = try AuthConfig.parse(authReader, robots: robots, directory: directory, unknown: &unknown)

        var config = ServerConfig(mqtt: mqtt, robots: robots, defaultRobot: defaultRobot, auth: auth)
        if let listen = try reader.object("listen") {
            config.listen.host = try listen.string("host") ?? config.listen.host
            config.listen.port = try listen.int("port", in: 1...65_535) ?? config.listen.port
            config.listen.idleTimeoutSeconds =
                try listen.int("idleTimeoutSeconds", in: 1...3600) ?? config.listen.idleTimeoutSeconds
            config.listen.requestHeadTimeoutSeconds =
                try listen.int("requestHeadTimeoutSeconds", in: 1...300) ?? config.listen.requestHeadTimeoutSeconds
            config.listen.maxConnections =
                try listen.int("maxConnections", in: 1...100_000) ?? config.listen.maxConnections
            unknown += listen.unknownKeys(known: Listen.keys)
        }
        if let cors = try reader.object("cors") {
            config.cors = try parseCORS(cors)
            unknown += cors.unknownKeys(known: ["allowedOrigins", "maxAgeSeconds"])
        }
        if let relay = try reader.object("relay") {
            config.relay = try RelayConfig.parse(relay, directory: directory, unknown: &unknown)
        }
        if let video = try reader.object("video") {
            config.video = try Video.parse(video, directory: directory, unknown: &unknown)
        }
        if let control = try reader.object("control") {
            config.control.idleSeconds = try control.int("idleSeconds", in: 5...3600) ?? config.control.idleSeconds
            unknown += control.unknownKeys(known: Control.keys)
        }
        if let cluster = try reader.object("cluster") {
            config.cluster = try parseCluster(cluster)
            unknown += cluster.unknownKeys(known: Cluster.keys)
            // Two instances with one client id would take turns throwing each other off the broker.
            if clientID == nil, let id = config.cluster?.instanceID {
                config.mqtt.clientID = "robot-server-\(id)"
            }
        }
        config.unknownKeys = unknown
        return config
    }

    private static func parseCluster(_ reader: ConfigReader) throws(ConfigError) -> Cluster {
        guard let id = try reader.string("instanceId") else {
            throw ConfigError(
                reader.keyPath("instanceId"),
                "is required: this instance's name, unique among the robot-servers sharing the broker, e.g. \"a\"")
        }
        let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard (1...64).contains(id.count), id.allSatisfy(idCharacters.contains) else {
            throw ConfigError(
                reader.keyPath("instanceId"),
                "\"\(id)\" is not an instance name: 1 to 64 letters, digits, '_' or '-' (it is an MQTT topic level)")
        }
        var cluster = Cluster(instanceID: id)
        if let prefix = try reader.string("topicPrefix") {
            let levels = prefix.split(separator: "/", omittingEmptySubsequences: false)
            guard !prefix.isEmpty, !prefix.contains("+"), !prefix.contains("#"), !levels.contains("") else {
                throw ConfigError(
                    reader.keyPath("topicPrefix"),
                    "\"\(prefix)\" is not a topic prefix: no '+' or '#', no empty level, no leading or trailing '/'")
            }
            cluster.topicPrefix = prefix
        }
        cluster.callTimeoutMs = try reader.int("callTimeoutMs", in: 100...10_000) ?? cluster.callTimeoutMs
        return cluster
    }

    private static func parseRobots(_ reader: ConfigReader) throws(ConfigError) -> [String] {
        guard let robots = try reader.stringArray("robots"), !robots.isEmpty else {
            throw ConfigError("robots", "is required: the thing names this server may drive, e.g. [\"sts-pi\"]")
        }
        for (index, name) in robots.enumerated() {
            try ConfigReader.checkThingName(name, keyPath: "robots[\(index)]")
            if robots[..<index].contains(name) {
                throw ConfigError("robots[\(index)]", "\"\(name)\" is listed twice")
            }
        }
        return robots
    }

    private static func parseCORS(_ reader: ConfigReader) throws(ConfigError) -> CORS {
        var cors = CORS()
        let origins = try reader.stringArray("allowedOrigins") ?? []
        for (index, origin) in origins.enumerated() where origin != "*" {
            let scheme = origin.hasPrefix("https://") ? 8 : origin.hasPrefix("http://") ? 7 : 0
            guard scheme > 0, origin.count > scheme, !origin.dropFirst(scheme).contains("/") else {
                throw ConfigError(
                    "\(reader.keyPath("allowedOrigins"))[\(index)]",
                    "\"\(origin)\" is not an origin; expected \"*\" or scheme://host[:port] without a path, "
                        + "e.g. \"https://robot.example.com\"")
            }
        }
        cors.allowedOrigins = origins
        cors.maxAgeSeconds = try reader.int("maxAgeSeconds", in: 0...86_400) ?? cors.maxAgeSeconds
        return cors
    }
}
