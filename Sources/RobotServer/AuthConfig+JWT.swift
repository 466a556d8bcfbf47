import JSONConfig

extension AuthConfig {
    /// Scopes granted when `auth.jwt.scopes` is not configured: `robot:drive` drives every robot,
    /// `robot:drive:<thing>` drives that one.
    static func defaultScopes(robots: [String]) -> [String: RobotSet] {
        var scopes: [String: RobotSet] = ["robot:drive": .all]
        for robot in robots {
            scopes["robot:drive:\(robot)"] = .some([robot])
        }
        return scopes
    }

    static func parseJWT(_ reader: ConfigReader, robots: [String], directory: String) throws(ConfigError) -> JWT {
        let keys: KeySource
        switch (try reader.string("jwksFile"), try reader.string("jwksUrl")) {
        case (let file?, nil):
            keys = .file(try reader.readableFile("jwksFile", default: file, directory: directory))
        case (nil, let url?):
            guard url.hasPrefix("https://"), url.count > 8 else {
                throw ConfigError(reader.keyPath("jwksUrl"), "must be an https:// URL, got \"\(url)\"")
            }
            keys = .url(url)
        case (_?, _?):
            throw ConfigError(reader.path, "set jwksFile or jwksUrl, not both")
        case (nil, nil):
            throw ConfigError(reader.path, "needs jwksFile or jwksUrl: where the identity provider's keys are")
        }
        var jwt = JWT(
            keys: keys, issuer: try reader.requiredString("issuer"), audience: try reader.requiredString("audience"),
            scopes: defaultScopes(robots: robots))
        if let scopes = try reader.object("scopes") {
            guard !scopes.object.isEmpty else {
                throw ConfigError(scopes.path, "must map at least one scope to robots, e.g. {\"robot:drive\": [\"*\"]}")
            }
            var map: [String: RobotSet] = [:]
            for scope in scopes.object.keys {
                map[scope] = try robotSet(scopes, scope, robots: robots)
            }
            jwt.scopes = map
        }
        jwt.leewaySeconds = try reader.int("leewaySeconds", in: 0...600) ?? jwt.leewaySeconds
        jwt.caFile = try reader.readableFile("caFile", directory: directory)
        if jwt.caFile != nil, case .file = keys {
            throw ConfigError(reader.keyPath("caFile"), "only applies to jwksUrl")
        }
        jwt.cacheSeconds = try reader.int("cacheSeconds", in: 10...86_400) ?? jwt.cacheSeconds
        jwt.minRefetchSeconds = try reader.int("minRefetchSeconds", in: 0...3600) ?? jwt.minRefetchSeconds
        return jwt
    }
}

extension AuthConfig.JWT {
    static let keys: Set<String> = [
        "jwksFile", "jwksUrl", "issuer", "audience", "scopes", "leewaySeconds", "caFile", "cacheSeconds",
        "minRefetchSeconds",
    ]
}
