public import StrictJSON

/// A configuration file on disk: read, parsed as strict JSON, and checked to hold one object.
public enum ConfigFile {
    /// The file's top-level object; every error names the file and what is wrong with it.
    public static func load(path: String) throws(ConfigError) -> JSONObject {
        let bytes: [UInt8]
        switch FileAccess.read(path) {
        case .success(let contents): bytes = contents
        case .failure(let error): throw ConfigError(nil, "cannot read config file \(path): \(error)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw ConfigError(nil, "config file \(path) is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw ConfigError(nil, "config file \(path) must hold a JSON object")
        }
        return object
    }

    /// The folder that relative paths in the file at `path` resolve against.
    public static func directory(of path: String) -> String {
        FileAccess.directory(of: path)
    }
}
