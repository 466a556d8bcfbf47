extension RobotConfig {
    static let credentialsKeys: Set<String> = [
        "endpoint", "port", "roleAlias", "region", "connectTimeoutSeconds", "timeoutSeconds", "retryInitialMs",
        "retryMaxMs",
    ]
    static let videoKeys: Set<String> = [
        "enabled", "command", "restartInitialMs", "restartMaxMs", "stopTimeoutSeconds",
    ]

    /// `credentials`: the endpoint may be `host`, `host:port` or `https://host[:port]` (tests point it at
    /// `localhost:PORT`); a `port` key wins over a port in the endpoint.
    static func parseCredentials(_ reader: ConfigReader) throws(ConfigError) -> Credentials {
        let (host, endpointPort) = try splitEndpoint(
            try reader.requiredString("endpoint"), keyPath: reader.keyPath("endpoint"))
        var credentials = Credentials(
            endpoint: host, roleAlias: try reader.requiredString("roleAlias"),
            region: try reader.requiredString("region"))
        credentials.port = try reader.int("port", in: 1...65_535) ?? endpointPort ?? 443
        credentials.connectTimeoutSeconds = try reader.int("connectTimeoutSeconds", in: 1...120) ?? 5
        credentials.timeoutSeconds =
            try reader.int("timeoutSeconds", in: credentials.connectTimeoutSeconds...300)
            ?? max(10, credentials.connectTimeoutSeconds)
        credentials.retryInitialMs = try reader.int("retryInitialMs", in: 10...600_000) ?? 1000
        credentials.retryMaxMs =
            try reader.int("retryMaxMs", in: credentials.retryInitialMs...3_600_000)
            ?? max(300_000, credentials.retryInitialMs)
        return credentials
    }

    static func parseVideo(_ reader: ConfigReader) throws(ConfigError) -> Video {
        var video = Video()
        video.command = try reader.stringArray("command") ?? []
        video.enabled = try reader.bool("enabled") ?? !video.command.isEmpty
        if video.enabled && (video.command.first ?? "").isEmpty {
            throw ConfigError(
                reader.keyPath("command"),
                "is required when video is enabled: the producer's argv, e.g. [\"/opt/robot/kvsWebrtcClientMasterGstSample\", \"{thingName}\"]"
            )
        }
        video.restartInitialMs = try reader.int("restartInitialMs", in: 10...600_000) ?? 1000
        video.restartMaxMs =
            try reader.int("restartMaxMs", in: video.restartInitialMs...3_600_000)
            ?? max(60_000, video.restartInitialMs)
        video.stopTimeoutSeconds = try reader.int("stopTimeoutSeconds", in: 1...120) ?? 5
        return video
    }

    /// `host`, `host:port`, `https://host[:port][/]` → host and port.
    static func splitEndpoint(_ text: String, keyPath: String) throws(ConfigError) -> (String, Int?) {
        var rest = Substring(text)
        if rest.hasPrefix("https://") { rest = rest.dropFirst(8) }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]"), rest.firstIndex(of: ":") == colon {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(number) else {
                throw ConfigError(
                    keyPath, "\"\(text)\" has an invalid port; expected host, host:port or https://host:port")
            }
            port = number
            rest = rest[..<colon]
        }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("://") else {
            throw ConfigError(keyPath, "\"\(text)\" is not a host name; expected host, host:port or https://host:port")
        }
        return (String(rest), port)
    }
}
