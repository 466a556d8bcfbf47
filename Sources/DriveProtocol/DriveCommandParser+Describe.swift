import StrictJSON

/// How rejection reasons show offending values.
extension DriveCommandParser {
    /// The longest string value quoted in full in a reason; longer ones are cut with `…`.
    static let maxQuotedLength = 40

    /// A value with its type, for type errors: `string "0.5"`, `number 1`, `boolean true`, `null`, `array`,
    /// `object`.
    static func describe(_ value: JSONValue) -> String {
        value.summary(maxStringLength: maxQuotedLength)
    }

    /// A number as JSON writes it: `200`, `1.5`, `1e+300`.
    static func format(_ number: Double) -> String {
        JSONValue.number(number).serializedString()
    }

    /// `text` in double quotes with JSON escapes, shortened to ``maxQuotedLength`` characters.
    static func quoted(_ text: String) -> String {
        JSONValue.quoted(text, maxLength: maxQuotedLength)
    }
}
