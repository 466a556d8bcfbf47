/// The members of a JSON object, in order, with unique keys.
///
/// Order is kept so that what we write reads the way we built it; equality ignores order, as JSON does.
/// Lookup by key is a linear scan, which is the fastest choice for the handful of members a command or a
/// telemetry message has.
public struct JSONObject: Sendable, RandomAccessCollection {
    public typealias Element = (key: String, value: JSONValue)

    /// The members in order.
    public private(set) var members: [Element]

    /// An empty object.
    public init() {
        members = []
    }

    /// An object with `members` in order; a repeated key keeps its first position and takes the last value.
    public init(_ members: [(String, JSONValue)]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (key, value) in members {
            self[key] = value
        }
    }

    /// Members the caller guarantees to have unique keys (the parser has checked them).
    init(uniqueMembers: [Element]) {
        members = uniqueMembers
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }

    public subscript(position: Int) -> Element {
        members[position]
    }

    /// The keys in order.
    public var keys: [String] {
        members.map(\.key)
    }

    /// The value for `key`; setting replaces it in place or appends it, and setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key {
                return member.value
            }
            return nil
        }
        set {
            let existing = members.firstIndex { $0.key == key }
            switch (existing, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }
}

extension JSONObject: Equatable {
    /// Two objects are equal when they have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (index, member) in lhs.members.enumerated() {
            // Same order is the common case: check that position first.
            let other = rhs.members[index]
            if other.key == member.key {
                guard other.value == member.value else { return false }
            } else if rhs[member.key] != member.value {
                return false
            }
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object with the members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: ExpressibleByArrayLiteral {
    /// An object from `(key, value)` pairs in order, e.g. `[("a", .number(1))]`.
    public init(arrayLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
