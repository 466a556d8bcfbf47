/// The recursive-descent core of ``JSONParser``: a cursor over bytes already checked to be valid UTF-8.
struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var offset = 0
    /// When not nil, the top-level object's members are recorded here (see ``JSONObjectLayout``).
    var layout: JSONObjectLayout?

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard offset == bytes.count else {
            throw syntaxError("unexpected \(describeToken(at: offset)) after the JSON value")
        }
        return value
    }

    /// Parses the value at `offset`; `depth` counts the arrays and objects around it.
    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard offset < bytes.count else {
            throw syntaxError("expected a value, got end of payload")
        }
        switch bytes[offset] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): return try parseLiteral("true", as: .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", as: .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", as: .null)
        default: throw syntaxError("expected a value, got \(describeToken(at: offset))")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try checkDepth(depth)
        offset += 1  // '{'
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            if depth == 1, layout != nil {
                layout!.closingBrace = offset
            }
            offset += 1
            return .object(JSONObject())
        }
        var members: [JSONObject.Element] = []
        var keySet: Set<String>? = nil  // only for large objects, where a linear scan per key gets slow
        while true {
            guard peek() == UInt8(ascii: "\"") else {
                let expected = members.isEmpty ? "expected a string key or '}'" : "expected a string key after ','"
                throw syntaxError("\(expected), got \(describeToken(at: offset))")
            }
            let keyOffset = offset
            let key = try parseString()
            if isDuplicate(key, in: members, keySet: &keySet) {
                throw JSONParseError(kind: .duplicateKey, offset: keyOffset, detail: "duplicate key \(quoted(key))")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw syntaxError("expected ':' after object key, got \(describeToken(at: offset))")
            }
            offset += 1
            skipWhitespace()
            let valueStart = offset
            members.append((key, try parseValue(depth: depth)))
            if depth == 1, layout != nil {
                layout!.members.append((key, valueStart..<offset))
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                if depth == 1, layout != nil {
                    layout!.closingBrace = offset
                }
                offset += 1
                return .object(JSONObject(uniqueMembers: members))
            default:
                throw syntaxError("expected ',' or '}' after object member, got \(describeToken(at: offset))")
            }
        }
    }

    private func isDuplicate(_ key: String, in members: [JSONObject.Element], keySet: inout Set<String>?) -> Bool {
        if keySet == nil, members.count < 16 {
            return members.contains { $0.key == key }
        }
        if keySet == nil {
            keySet = Set(members.map(\.key))
        }
        return !keySet!.insert(key).inserted
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try checkDepth(depth)
        offset += 1  // '['
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            offset += 1
            return .array([])
        }
        var elements: [JSONValue] = []
        while true {
            if peek() == UInt8(ascii: "]") {
                throw syntaxError("expected a value after ',', got ']'")
            }
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                offset += 1
                return .array(elements)
            default:
                throw syntaxError("expected ',' or ']' after array element, got \(describeToken(at: offset))")
            }
        }
    }

    private mutating func parseLiteral(_ word: StaticString, as value: JSONValue) throws(JSONParseError) -> JSONValue {
        let length = word.utf8CodeUnitCount
        let matches =
            offset + length <= bytes.count
            && (0..<length).allSatisfy { bytes[offset + $0] == word.utf8Start[$0] }
        // "trueish" must not pass as `true` followed by garbage: report the whole word.
        guard matches, !isWordByte(peek(at: offset + length)) else {
            throw syntaxError("expected a value, got \(describeToken(at: offset))")
        }
        offset += length
        return value
    }

    private func checkDepth(_ depth: Int) throws(JSONParseError) {
        guard depth <= maxDepth else {
            throw JSONParseError(
                kind: .tooDeep, offset: offset, detail: "arrays and objects nested deeper than \(maxDepth) levels")
        }
    }

    // MARK: Cursor

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): offset += 1
            default: return
            }
        }
    }

    /// The byte at `offset`, or `nil` at the end.
    func peek() -> UInt8? {
        peek(at: offset)
    }

    func peek(at position: Int) -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    func syntaxError(_ detail: String) -> JSONParseError {
        JSONParseError(kind: .syntax, offset: offset, detail: detail)
    }
}
