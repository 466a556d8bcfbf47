import JSONConfig

extension TURNConfig {
    static let keys: Set<String> = ["urls", "secretFile", "ttlSeconds"]

    /// Reads `video.turn`: `urls` (turn:/turns:, at least one), `secretFile` (read now; relative to `directory`),
    /// `ttlSeconds`. Errors name the key; the secret is never written in the config itself.
    static func parse(
        _ reader: ConfigReader, directory: String, unknown: inout [String], warnings: inout [String]
    ) throws(ConfigError) -> Self {
        if reader.has("secret") || reader.has("staticAuthSecret") {
            throw ConfigError(
                reader.path,
                "the TURN secret is not written in the config: put it in a file of its own (mode 600) and name it "
                    + "in secretFile")
        }
        unknown += reader.unknownKeys(known: keys)
        let urls = try reader.stringArray("urls") ?? []
        guard !urls.isEmpty else {
            throw ConfigError(
                reader.keyPath("urls"), "is required: e.g. [\"turn:turn.example.com:3478?transport=udp\"]")
        }
        try ServerConfig.Video.checkURLs(urls, keyPath: reader.keyPath("urls"), schemes: ["turn:", "turns:"])
        guard let file = try reader.string("secretFile") else {
            throw ConfigError(
                reader.keyPath("secretFile"),
                "is required: a file holding the TURN server's static-auth-secret (coturn's use-auth-secret)")
        }
        let path = FileAccess.resolve(file, against: directory)
        let (secret, warning) = try TURNSecret.load(path: path, keyPath: reader.keyPath("secretFile"))
        warnings += warning.map { [$0] } ?? []
        let ttl = try reader.int("ttlSeconds", in: ttlRange) ?? defaultTTLSeconds
        return TURNConfig(urls: urls, secret: secret, secretFile: path, ttlSeconds: ttl)
    }
}
