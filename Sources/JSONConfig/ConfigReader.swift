public import StrictJSON

/// Reads one JSON object of a configuration file, naming the key path in every error
/// and reporting keys nobody asked for (usually typos).
public struct ConfigReader: Sendable {
    public let object: JSONObject
    /// The dotted key path of ``object`` in the file (`""` for the root, `auth.tokens[0]` for an array element).
    public let path: String

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func value(_ key: String) -> JSONValue? {
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    public func has(_ key: String) -> Bool { value(key) != nil }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { throw mismatch(key, expected: "a string", got: value) }
        guard !string.isEmpty else { throw ConfigError(keyPath(key), "must not be empty") }
        return string
    }

    public func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let string = try string(key) else { throw ConfigError(keyPath(key), "is required") }
        return string
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let bool) = value else { throw mismatch(key, expected: "true or false", got: value) }
        return bool
    }

    public func double(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value else { throw mismatch(key, expected: "a number", got: value) }
        guard range.contains(number) else {
            throw ConfigError(
                keyPath(key),
                "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(format(number))")
        }
        return number
    }

    public func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
            throw mismatch(key, expected: "an integer", got: value)
        }
        guard range.contains(Int(number)) else {
            throw ConfigError(
                keyPath(key), "must be between \(range.lowerBound) and \(range.upperBound), got \(Int(number))")
        }
        return Int(number)
    }

    public func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw mismatch(key, expected: "an array of strings", got: value) }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let string) = item else {
                throw ConfigError("\(keyPath(key))[\(index)]", "must be a string, got \(item.summary())")
            }
            strings.append(string)
        }
        return strings
    }

    public func object(_ key: String) throws(ConfigError) -> ConfigReader? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else { throw mismatch(key, expected: "an object", got: value) }
        return ConfigReader(object, path: keyPath(key))
    }

    /// An array of objects, each read with its index in the key path (`auth.tokens[0]`).
    public func objectArray(_ key: String) throws(ConfigError) -> [ConfigReader]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw mismatch(key, expected: "an array of objects", got: value) }
        var readers: [ConfigReader] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(keyPath(key))[\(index)]"
            guard case .object(let object) = item else {
                throw ConfigError(itemPath, "must be an object, got \(item.summary())")
            }
            readers.append(ConfigReader(object, path: itemPath))
        }
        return readers
    }

    /// Key paths present in the file but not in `known`.
    public func unknownKeys(known: Set<String>) -> [String] {
        object.keys.filter { !known.contains($0) }.map(keyPath)
    }

    private func mismatch(_ key: String, expected: String, got value: JSONValue) -> ConfigError {
        ConfigError(keyPath(key), "must be \(expected), got \(value.summary())")
    }
}

/// A number as JSON writes it: `200`, `1.5`.
func format(_ number: Double) -> String {
    JSONValue.number(number).serializedString()
}
