import StrictJSON

/// The compiled form of one array of alternatives, e.g. `["approved", {"prefix": "NY-"}, {"exists": false}]`:
/// matches when any alternative does.
///
/// The event's value at this key is reduced to its *leaf values*: a string, number, boolean or `null` is one leaf;
/// an array contributes the leaves among its elements (nested arrays flattened, objects skipped); an object has
/// none. Value alternatives match if any leaf satisfies one of them; `exists: true` matches when there is at
/// least one leaf and `exists: false` when there is none (missing field, `[]`, or an object, which EventBridge
/// does not treat as a leaf).
struct LeafMatcher: Sendable {
    var strings = Set<ExactString>()
    var numbers = Set<Double>()
    var matchesTrue = false
    var matchesFalse = false
    var matchesNull = false
    var prefixes: [[UInt8]] = []
    var ranges: [NumericRange] = []
    var anythingButs: [AnythingBut] = []
    var existsTrue = false
    var existsFalse = false

    /// Whether the event's value at this key (`nil` when the key is missing) satisfies an alternative.
    func matches(_ value: JSONValue?) -> Bool {
        guard let value else { return existsFalse }
        var sawLeaf = false
        if scan(value, sawLeaf: &sawLeaf) { return true }
        return sawLeaf ? existsTrue : existsFalse
    }

    /// Whether some leaf of `value` matches a value alternative; notes in `sawLeaf` whether there was any leaf.
    private func scan(_ value: JSONValue, sawLeaf: inout Bool) -> Bool {
        switch value {
        case .array(let elements):
            for element in elements where scan(element, sawLeaf: &sawLeaf) {
                return true
            }
            return false
        case .object:
            return false
        case .null, .bool, .number, .string:
            sawLeaf = true
            return matchesLeaf(value)
        }
    }

    private func matchesLeaf(_ leaf: JSONValue) -> Bool {
        switch leaf {
        case .string(let text):
            if strings.contains(ExactString(text)) { return true }
            for prefix in prefixes where text.hasExactPrefix(prefix) {
                return true
            }
        case .number(let number):
            if numbers.contains(number) { return true }
            for range in ranges where range.contains(number) {
                return true
            }
        case .bool(let flag):
            if flag ? matchesTrue : matchesFalse { return true }
        case .null:
            if matchesNull { return true }
        case .array, .object:
            return false
        }
        for anythingBut in anythingButs where anythingBut.matches(leaf) {
            return true
        }
        return false
    }

    /// Whether this leaf matches an event where the key is absent.
    var matchesMissing: Bool { existsFalse }
}
