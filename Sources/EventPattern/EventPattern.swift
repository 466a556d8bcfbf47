public import StrictJSON

/// An EventBridge-style content filter over a JSON payload, compiled once and matched many times.
///
/// A pattern is an object whose keys name fields of the event. Each key maps either to a nested object (matched
/// inside the event's object at that key) or to an array of alternatives, of which one must match (OR); all keys
/// must match (AND), and `"$or": [pattern, pattern, …]` requires one of several patterns to match. Alternatives
/// are literals — a string (compared byte for byte), a number (compared numerically, so `300` matches `3.0e2`),
/// `true`, `false`, `null` (only an explicit null, never a missing field), `""` — or operators:
///
/// - `{"prefix": "NY-"}` — a string starting with the prefix.
/// - `{"anything-but": "approved"}`, `{"anything-but": [100, 200]}`, `{"anything-but": {"prefix": "init"}}` — any
///   present value except those; values of another type (a number, a boolean, an explicit null) do match; a
///   missing field does not.
/// - `{"numeric": [">", 0, "<=", 5]}` — one or two comparisons (`=`, `<`, `<=`, `>`, `>=`); JSON numbers only.
/// - `{"exists": true}` / `{"exists": false}` — the field has / has no leaf value. An explicit `null` is a value
///   (so `exists: false` does not match it); an object or an empty array is not (EventBridge's "leaf nodes only").
///
/// When the event holds an array where the pattern expects a leaf, the leaf matches if any element does; where
/// the pattern expects a nested object, one element object must match all of the nested keys. Keys in the event
/// that the pattern does not name are ignored. Unlike EventBridge, numbers are not limited to ±1e9 (they are
/// `Double`s), and the operators `suffix`, `equals-ignore-case`, `wildcard` and `cidr` are rejected.
///
/// ```swift
/// let pattern = try EventPattern(["detail": ["result": [["anything-but": "approved"]]]])
/// pattern.matches(["detail": ["result": "denied"]])  // true
/// ```
public struct EventPattern: Sendable {
    private let root: PatternNode

    /// Compiles a pattern; errors name the JSON path inside the pattern, e.g. `detail.amount`.
    public init(_ pattern: JSONValue) throws(EventPatternError) {
        guard case .object(let object) = pattern else {
            throw EventPatternError(
                path: "",
                message: #"a pattern must be a JSON object such as {"detail": {"state": ["running"]}}, "#
                    + "got \(pattern.summary())"
            )
        }
        root = try PatternNode(object, path: "")
    }

    /// Whether `event` satisfies the pattern. An array event matches when one of its objects does; any other
    /// non-object event matches only patterns that ask for absent fields (`exists: false`). The empty pattern `{}`
    /// matches every event.
    public func matches(_ event: JSONValue) -> Bool {
        root.matches(event)
    }
}
