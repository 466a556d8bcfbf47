import EventPattern
import StrictJSON

/// Compiles a pattern written as JSON text.
func compile(_ pattern: String) throws -> EventPattern {
    try EventPattern(JSONParser.parse(pattern))
}

/// Whether `pattern` matches `event`, both written as JSON text.
func matches(_ pattern: String, _ event: String) throws -> Bool {
    try compile(pattern).matches(JSONParser.parse(event))
}

/// Whether the alternatives `alternatives` at key `x` match an event whose `x` is `value`, or that has no `x`
/// when `value` is nil: `leafMatches(#"["a"]"#, #""a""#)` checks `{"x": ["a"]}` against `{"x": "a"}`.
func leafMatches(_ alternatives: String, _ value: String?) throws -> Bool {
    let event = value.map { #"{"x": \#($0), "other": 1}"# } ?? #"{"other": 1}"#
    return try matches(#"{"x": \#(alternatives)}"#, event)
}
