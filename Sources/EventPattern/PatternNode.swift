import StrictJSON

/// The compiled form of one pattern object: every field must match (AND), and in every `$or` group at least one
/// alternative pattern must match the same event object.
struct PatternNode: Sendable {
    /// How one key of the pattern object is matched.
    enum Matcher: Sendable {
        /// An array of alternatives, matched against the leaf values at the key.
        case leaf(Shared<LeafMatcher>)
        /// A nested object, matched inside the event's object at the key.
        case nested(Shared<PatternNode>)
    }

    struct Field: Sendable {
        var key: String
        var matcher: Matcher
    }

    var fields: [Field] = []
    var orGroups: [[Shared<PatternNode>]] = []
    /// Whether this node matches where the event has no object at all (precomputed: only `exists: false` leaves,
    /// directly or nested, can match nothing).
    var matchesMissing = true

    /// Matches the event value at this node's position: an object is matched directly; an array matches when one
    /// of its objects does (so fields matched together come from the same element); anything else, or a missing
    /// value, counts as an object with no members.
    func matches(_ value: JSONValue?) -> Bool {
        switch value {
        case .object(let object):
            return matches(object)
        case .array(let elements):
            var sawObject = false
            if matches(anyObjectIn: elements, sawObject: &sawObject) { return true }
            return sawObject ? false : matchesMissing
        case .null, .bool, .number, .string, nil:
            return matchesMissing
        }
    }

    func matches(_ object: JSONObject) -> Bool {
        for field in fields {
            let value = Self.member(field.key, of: object)
            switch field.matcher {
            case .leaf(let leaf):
                guard leaf.value.matches(value) else { return false }
            case .nested(let node):
                guard node.value.matches(value) else { return false }
            }
        }
        for group in orGroups {
            guard group.contains(where: { $0.value.matches(object) }) else { return false }
        }
        return true
    }

    private func matches(anyObjectIn elements: [JSONValue], sawObject: inout Bool) -> Bool {
        for element in elements {
            switch element {
            case .object(let object):
                sawObject = true
                if matches(object) { return true }
            case .array(let inner):
                if matches(anyObjectIn: inner, sawObject: &sawObject) { return true }
            case .null, .bool, .number, .string:
                continue
            }
        }
        return false
    }

    /// The member named `key`, compared byte for byte like every other string in a pattern.
    private static func member(_ key: String, of object: JSONObject) -> JSONValue? {
        let members = object.members
        for index in members.indices where members[index].key.hasSameUTF8(as: key) {
            return members[index].value
        }
        return nil
    }
}
