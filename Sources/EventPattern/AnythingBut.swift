import StrictJSON

/// The compiled form of `{"anything-but": …}`: a leaf value matches unless it is one of the excluded values
/// (or, for `{"prefix": …}`, a string with that prefix).
///
/// Only values of the excluded kind can be excluded: `{"anything-but": "approved"}` matches `"denied"`, but also
/// `42`, `true` and an explicit `null`, as EventBridge does. A missing field has no value and never matches.
enum AnythingBut: Sendable {
    case strings(Set<ExactString>)
    case numbers(Set<Double>)
    case prefix([UInt8])

    func matches(_ leaf: JSONValue) -> Bool {
        switch (self, leaf) {
        case (.strings(let excluded), .string(let text)): !excluded.contains(ExactString(text))
        case (.numbers(let excluded), .number(let number)): !excluded.contains(number)
        case (.prefix(let prefix), .string(let text)): !text.hasExactPrefix(prefix)
        default: true
        }
    }
}

extension AnythingBut {
    private static let hint = #"give a string, a number, a list of strings, a list of numbers, or {"prefix": "…"}"#

    /// Parses the operand of `anything-but`; `fail` builds the error for this leaf's path.
    static func parse(_ operand: JSONValue, fail: (String) -> EventPatternError) throws(EventPatternError)
        -> AnythingBut
    {
        switch operand {
        case .string(let text):
            return .strings([ExactString(text)])
        case .number(let number):
            return .numbers([number])
        case .array(let values):
            return try parseList(values, fail: fail)
        case .object(let object):
            guard object.count == 1, let (key, value) = object.first else {
                throw fail(#""anything-but" object must have exactly one key, "prefix"; got \#(object.count)"#)
            }
            guard key == "prefix" else {
                throw fail(#""anything-but" object supports only "prefix", got \#(JSONValue.quoted(key))"#)
            }
            guard case .string(let prefix) = value else {
                throw fail(#""anything-but" prefix needs a string, got \#(value.summary())"#)
            }
            guard !prefix.isEmpty else {
                throw fail(#""anything-but" prefix must not be empty (every string starts with "")"#)
            }
            return .prefix(Array(prefix.utf8))
        case .null, .bool:
            throw fail(#""anything-but" cannot take \#(operand.summary()); \#(hint)"#)
        }
    }

    private static func parseList(
        _ values: [JSONValue], fail: (String) -> EventPatternError
    ) throws(EventPatternError) -> AnythingBut {
        guard let first = values.first else {
            throw fail(#""anything-but" list is empty; give at least one value to exclude"#)
        }
        switch first {
        case .string:
            var strings = Set<ExactString>()
            for value in values {
                guard case .string(let text) = value else {
                    throw fail(mixedListMessage("string", value))
                }
                strings.insert(ExactString(text))
            }
            return .strings(strings)
        case .number:
            var numbers = Set<Double>()
            for value in values {
                guard case .number(let number) = value else {
                    throw fail(mixedListMessage("number", value))
                }
                numbers.insert(number)
            }
            return .numbers(numbers)
        default:
            throw fail(#""anything-but" list cannot hold \#(first.summary()); \#(hint)"#)
        }
    }

    private static func mixedListMessage(_ firstType: String, _ other: JSONValue) -> String {
        #""anything-but" list must hold only strings or only numbers, got \#(firstType) and \#(other.typeName)"#
    }
}
