import StrictJSON

/// The compiled form of `{"numeric": [">", 0, "<=", 5]}`: an interval with optional, open or closed ends.
///
/// `=` is the closed interval `[v, v]`. Matching only ever sees JSON numbers.
struct NumericRange: Sendable, Equatable {
    struct Bound: Sendable, Equatable {
        var value: Double
        var inclusive: Bool

        /// The bound as a pattern writes it, e.g. `>= 5`.
        func written(asLower: Bool) -> String {
            let comparator = asLower ? (inclusive ? ">=" : ">") : (inclusive ? "<=" : "<")
            return "\(comparator) \(JSONValue.number(value))"
        }
    }

    var lower: Bound?
    var upper: Bound?

    func contains(_ number: Double) -> Bool {
        if let lower {
            guard number > lower.value || (lower.inclusive && number == lower.value) else { return false }
        }
        if let upper {
            guard number < upper.value || (upper.inclusive && number == upper.value) else { return false }
        }
        return true
    }
}

extension NumericRange {
    /// The comparators a range may use, as written in patterns.
    static let comparators = ["=", "<", "<=", ">", ">="]

    /// Parses the operand of `numeric`; `fail` builds the error for this leaf's path.
    static func parse(
        _ operand: JSONValue, fail: (String) -> EventPatternError
    ) throws(EventPatternError) -> NumericRange {
        guard case .array(let items) = operand else {
            throw fail(#""numeric" needs an array like [">", 0, "<=", 5], got \#(operand.summary())"#)
        }
        guard !items.isEmpty, items.count.isMultiple(of: 2), items.count <= 4 else {
            throw fail(
                "numeric range: expected one or two comparisons (a comparator and a number each), "
                    + "got \(items.count) item\(items.count == 1 ? "" : "s")"
            )
        }
        var comparisons: [(comparator: String, bound: Double)] = []
        for pairStart in stride(from: 0, to: items.count, by: 2) {
            guard case .string(let comparator) = items[pairStart] else {
                throw fail(
                    "numeric range: item \(pairStart + 1) must be a comparator (=, <, <=, > or >=), "
                        + "got \(items[pairStart].summary())"
                )
            }
            guard comparators.contains(comparator) else {
                throw fail(
                    "numeric range: unknown comparator \(JSONValue.quoted(comparator)); expected =, <, <=, > or >="
                )
            }
            guard case .number(let bound) = items[pairStart + 1] else {
                throw fail(
                    "numeric range: \(JSONValue.quoted(comparator)) needs a number, "
                        + "got \(items[pairStart + 1].summary())"
                )
            }
            comparisons.append((comparator, bound))
        }
        if comparisons.count == 2, comparisons.contains(where: { $0.comparator == "=" }) {
            throw fail(#"numeric range: "=" cannot be combined with another comparison"#)
        }
        var range = NumericRange()
        for (comparator, bound) in comparisons {
            switch comparator {
            case "=":
                range.lower = Bound(value: bound, inclusive: true)
                range.upper = Bound(value: bound, inclusive: true)
            case ">", ">=":
                guard range.lower == nil else {
                    throw fail("numeric range: two lower bounds; combine one of > or >= with one of < or <=")
                }
                range.lower = Bound(value: bound, inclusive: comparator == ">=")
            default:
                guard range.upper == nil else {
                    throw fail("numeric range: two upper bounds; combine one of > or >= with one of < or <=")
                }
                range.upper = Bound(value: bound, inclusive: comparator == "<=")
            }
        }
        if let lower = range.lower, let upper = range.upper,
            lower.value > upper.value || (lower.value == upper.value && !(lower.inclusive && upper.inclusive))
        {
            throw fail(
                "numeric range: empty range, no number is \(lower.written(asLower: true)) "
                    + "and \(upper.written(asLower: false))"
            )
        }
        return range
    }
}
