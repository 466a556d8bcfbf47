import JSONConfig

extension AuthConfig {
    /// Scopes granted when `auth.jwt.scopes` is not configured: `robot:drive` drives and watches every robot,
    /// `robot:drive:<thing>` that one; `robot:view[:<thing>]` only watches; `robot:produce:<thing>` is that
    /// robot's video producer; `robot:admin` has the admin role on every robot.
    static func defaultScopes(robots: [String]) -> [String: Permissions.Grant] {
        var scopes: [String: Permissions.Grant] = [
            "robot:drive": .init(robots: .all), "robot:view": .init(robots: .all, roles: [.view]),
            "robot:admin": .init(robots: .all, roles: [.admin]),
        ]
        for robot in robots {
            scopes["robot:drive:\(robot)"] = .init(robots: .some([robot]))
            scopes["robot:view:\(robot)"] = .init(robots: .some([robot]), roles: [.view])
            scopes["robot:produce:\(robot)"] = .init(robots: .some([robot]), roles: [.produce])
        }
        return scopes
    }

    /// One scope's grant: a list of robots (drive and view, the form before roles), or
    /// `{"robots": [...], "roles": [...]}`.
    static func scopeGrant(_ scopes: ConfigReader, _ scope: String, robots: [String]) throws(ConfigError)
        -> Permissions.Grant
    {
        guard case .object = scopes.object[scope], let grant = try scopes.object(scope) else {
            return Permissions.Grant(robots: try robotSet(scopes, scope, robots: robots))
        }
        guard let roles = try roles(grant, "roles") else {
            throw ConfigError(grant.keyPath("roles"), "is required: some of \(Role.names)")
        }
        for key in grant.unknownKeys(known: ["robots", "roles"]) {
            throw ConfigError(key, "unknown key; a scope maps to {\"robots\": [...], \"roles\": [...]}")
        }
        return Permissions.Grant(robots: try robotSet(grant, "robots", robots: robots), roles: roles)
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
            var map: [String: Permissions.Grant] = [:]
            for scope in scopes.object.keys {
                map[scope] = try scopeGrant(scopes, scope, robots: robots)
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
