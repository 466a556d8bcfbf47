extension JSONValue {
    /// The value with its type, for error messages: `string "0.5"`, `number 1`, `boolean true`, `null`,
    /// `array`, `object`. Strings longer than `maxStringLength` characters are cut with `…`.
    public func summary(maxStringLength: Int = 40) -> String {
        switch self {
        case .null: "null"
        case .bool(let flag): "boolean \(flag)"
        case .number: "number \(serializedString())"
        case .string(let text): "string \(Self.quoted(text, maxLength: maxStringLength))"
        case .array, .object: typeName
        }
    }

    /// `text` in double quotes with JSON escapes, shortened to `maxLength` characters.
    public static func quoted(_ text: String, maxLength: Int = 40) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > maxLength else {
            return JSONValue.string(text).serializedString()
        }
        let prefix = String(String.UnicodeScalarView(scalars.prefix(maxLength)))
        return JSONValue.string(prefix + "…").serializedString()
    }
}
