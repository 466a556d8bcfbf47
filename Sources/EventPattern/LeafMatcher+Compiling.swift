import StrictJSON

extension LeafMatcher {
    /// EventBridge operators this module does not implement, named so the error can say so.
    static let unsupportedOperators = ["suffix", "equals-ignore-case", "wildcard", "cidr"]

    /// Whether `name` is an EventBridge operator (supported or not), for hints when one is used as a key.
    static func isOperatorName(_ name: String) -> Bool {
        ["prefix", "anything-but", "numeric", "exists"].contains(name) || unsupportedOperators.contains(name)
    }

    /// Compiles the array of alternatives at `path`.
    init(alternatives: [JSONValue], path: String) throws(EventPatternError) {
        let fail = { (message: String) in EventPatternError(path: path, message: message) }
        guard !alternatives.isEmpty else {
            throw fail(
                #"empty list of alternatives matches nothing; give at least one value or operator, e.g. ["a"] "#
                    + #"or [{"exists": true}]"#
            )
        }
        for alternative in alternatives {
            switch alternative {
            case .string(let text): strings.insert(ExactString(text))
            case .number(let number): numbers.insert(number)
            case .bool(true): matchesTrue = true
            case .bool(false): matchesFalse = true
            case .null: matchesNull = true
            case .object(let object): try add(operator: object, fail: fail)
            case .array:
                throw fail(
                    "an alternative must be a string, number, boolean, null or an operator object such as "
                        + #"{"prefix": "…"}, got a nested array"#
                )
            }
        }
    }

    private mutating func add(
        operator object: JSONObject, fail: (String) -> EventPatternError
    ) throws(EventPatternError) {
        guard object.count == 1, let (name, operand) = object.first else {
            let keys = object.keys.map { JSONValue.quoted($0) }.joined(separator: ", ")
            throw fail(
                object.isEmpty
                    ? "an operator object needs exactly one key (one of prefix, anything-but, numeric, exists), got {}"
                    : "an operator object needs exactly one key, got \(object.count) (\(keys)); "
                        + "list several operators as separate alternatives"
            )
        }
        switch name {
        case "prefix":
            guard case .string(let prefix) = operand else {
                throw fail(#""prefix" needs a string, got \#(operand.summary())"#)
            }
            prefixes.append(Array(prefix.utf8))
        case "anything-but":
            anythingButs.append(try AnythingBut.parse(operand, fail: fail))
        case "numeric":
            ranges.append(try NumericRange.parse(operand, fail: fail))
        case "exists":
            guard case .bool(let exists) = operand else {
                throw fail(#""exists" needs true or false, got \#(operand.summary())"#)
            }
            if exists { existsTrue = true } else { existsFalse = true }
        default:
            if Self.unsupportedOperators.contains(name) {
                throw fail(
                    "operator \(JSONValue.quoted(name)) is not supported here; "
                        + "use prefix, anything-but, numeric or exists"
                )
            }
            throw fail("unknown operator \(JSONValue.quoted(name)); expected prefix, anything-but, numeric or exists")
        }
    }
}
