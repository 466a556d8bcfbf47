import JSONConfig

extension AuthConfig {
    /// Reads the `auth` section; robot names must be among `robots` (or `*`).
    static func parse(
        _ reader: ConfigReader, robots: [String], directory: String, unknown: inout [String]
    ) throws(ConfigError) -> AuthConfig {
        var auth = AuthConfig()
        unknown += reader.unknownKeys(known: ["disabled", "tokens", "jwt"])
        auth.disabled = try reader.bool("disabled") ?? false
        for token in try reader.objectArray("tokens") ?? [] {
            auth.tokens.append(try parseToken(token, index: auth.tokens.count, robots: robots))
            unknown += token.unknownKeys(known: ["sha256", "robots", "roles", "name"])
        }
        if let jwt = try reader.object("jwt") {
            auth.jwt = try parseJWT(jwt, robots: robots, directory: directory)
            unknown += jwt.unknownKeys(known: JWT.keys)
        }
        if auth.disabled && (!auth.tokens.isEmpty || auth.jwt != nil) {
            throw ConfigError(reader.keyPath("disabled"), "cannot be true together with tokens or jwt")
        }
        if !auth.disabled && auth.tokens.isEmpty && auth.jwt == nil {
            throw ConfigError(
                reader.path, "configure tokens or jwt (or \"disabled\": true for a local demo only)")
        }
        return auth
    }

    private static func parseToken(_ reader: ConfigReader, index: Int, robots: [String]) throws(ConfigError)
        -> StaticToken
    {
        let hex = try reader.requiredString("sha256")
        guard let digest = Hex.bytes(hex), digest.count == 32 else {
            let what = hex.hasPrefix("REPLACE") ? "is a placeholder" : "must be 64 hex digits (a token's SHA-256)"
            throw ConfigError(
                reader.keyPath("sha256"),
                "\(what): run robot-server new-token and paste the line it prints, "
                    + "or printf %s \"$TOKEN\" | robot-server hash-token")
        }
        return StaticToken(
            sha256: digest, robots: try robotSet(reader, "robots", robots: robots),
            roles: try roles(reader, "roles") ?? Role.defaults, name: try reader.string("name") ?? "token[\(index)]")
    }

    /// An optional, non-empty list of role names (`["drive", "view"]`); nil when the key is absent.
    static func roles(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> Set<Role>? {
        guard let names = try reader.stringArray(key) else { return nil }
        guard !names.isEmpty else {
            throw ConfigError(reader.keyPath(key), "must list at least one role: \(Role.names)")
        }
        var roles: Set<Role> = []
        for (index, name) in names.enumerated() {
            guard let role = Role(rawValue: name) else {
                throw ConfigError(
                    "\(reader.keyPath(key))[\(index)]", "unknown role \"\(name)\"; expected \(Role.names)")
            }
            roles.insert(role)
        }
        return roles
    }

    /// A required, non-empty list of configured robot names or `*`.
    static func robotSet(_ reader: ConfigReader, _ key: String, robots: [String]) throws(ConfigError) -> RobotSet {
        guard let names = try reader.stringArray(key), !names.isEmpty else {
            throw ConfigError(reader.keyPath(key), "is required: robot names, or [\"*\"] for every robot")
        }
        for (index, name) in names.enumerated() where name != "*" && !robots.contains(name) {
            throw ConfigError(
                "\(reader.keyPath(key))[\(index)]",
                "unknown robot \"\(name)\"; configured robots: \(robots.joined(separator: ", "))")
        }
        return RobotSet(names)
    }
}
