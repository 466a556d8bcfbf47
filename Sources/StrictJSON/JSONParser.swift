/// A strict RFC 8259 JSON parser that works on bytes.
///
/// Strict means: the payload must be well-formed UTF-8 and hold exactly one value with only whitespace around
/// it; no comments, trailing commas, leading zeros, `NaN`/`Infinity`, single quotes, unescaped control characters
/// or lone surrogates; no duplicate keys in an object; numbers must fit in a `Double`; arrays and objects nest
/// at most ``maxDepth`` levels. Every failure is a ``JSONParseError`` that names the byte offset.
public enum JSONParser {
    /// How many arrays and objects may be nested inside each other.
    public static let maxDepth = 64

    /// Parses one JSON document from `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        try read(bytes, keepingLayout: false).0
    }

    private static func read(
        _ bytes: UnsafeRawBufferPointer, keepingLayout: Bool
    ) throws(JSONParseError) -> (JSONValue, JSONObjectLayout?) {
        guard !bytes.isEmpty else {
            throw JSONParseError(kind: .emptyPayload, offset: 0, detail: "empty payload")
        }
        if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
            throw JSONParseError(kind: .invalidUTF8, offset: offset, detail: "payload is not valid UTF-8")
        }
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        if keepingLayout { reader.layout = JSONObjectLayout() }
        let value = try reader.parseDocument()
        guard case .object = value, let layout = reader.layout, layout.closingBrace >= 0 else { return (value, nil) }
        return (value, layout)
    }

    /// Parses one JSON document from `bytes`, as ``parse(_:)-([UInt8])``, and says where a top-level object's
    /// members are in them (nil for any other document), so that ``JSONObjectLayout/setting(_:in:)`` can rewrite
    /// a few members and keep every other byte.
    public static func parseKeepingLayout(_ bytes: [UInt8]) throws(JSONParseError) -> (JSONValue, JSONObjectLayout?) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try read(buffer, keepingLayout: true) }
        }
        return try result.get()
    }

    /// Parses one JSON document from `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses one JSON document from the bytes of any collection, e.g. an `ArraySlice<UInt8>`.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        return try (result ?? Result { () throws(JSONParseError) in try parse(Array(bytes)) }).get()
    }

    /// Parses one JSON document from the UTF-8 of `text`.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }
}
