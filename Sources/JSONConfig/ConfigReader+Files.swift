extension ConfigReader {
    /// A file path (or `fallback` when the key is absent) resolved against `directory` and checked readable,
    /// so a missing certificate is reported at load, naming its key.
    public func readableFile(_ key: String, default fallback: String, directory: String) throws(ConfigError) -> String {
        let path = FileAccess.resolve(try string(key) ?? fallback, against: directory)
        if let error = FileAccess.readability(path) {
            throw ConfigError(keyPath(key), "cannot read \(path): \(error)")
        }
        return path
    }

    /// Like ``readableFile(_:default:directory:)`` for an optional file: nil when the key is absent.
    public func readableFile(_ key: String, directory: String) throws(ConfigError) -> String? {
        guard has(key) else { return nil }
        return try readableFile(key, default: "", directory: directory)
    }
}
