extension ConfigReader {
    /// The characters of an AWS IoT thing name: 1–128 of `a-zA-Z0-9:_-`. A thing name becomes an MQTT topic
    /// level (`<thing>/action`), so `/`, `+` and `#` must never get in.
    public static func isValidThingName(_ name: some StringProtocol) -> Bool {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed && !name.isEmpty && name.utf8.count <= 128
    }

    /// A required thing name under `key`.
    public func requiredThingName(_ key: String) throws(ConfigError) -> String {
        let name = try requiredString(key)
        try Self.checkThingName(name, keyPath: keyPath(key))
        return name
    }

    /// Throws a ``ConfigError`` at `keyPath` unless `name` is a valid thing name.
    public static func checkThingName(_ name: String, keyPath: String) throws(ConfigError) {
        guard isValidThingName(name) else {
            throw ConfigError(
                keyPath, "\"\(name)\" is not a valid thing name (1–128 of letters, digits, ':', '_', '-')")
        }
    }
}
