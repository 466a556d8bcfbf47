/// The robots a credential may drive: every configured robot (`["*"]`), or some by thing name.
public enum RobotSet: Sendable, Equatable, CustomStringConvertible {
    case all
    case some(Set<String>)

    /// Reads a config list: `["*"]` means all, otherwise thing names.
    public init(_ names: [String]) {
        self = names.contains("*") ? .all : .some(Set(names))
    }

    public func allows(_ thing: String) -> Bool {
        switch self {
        case .all: true
        case .some(let things): things.contains(thing)
        }
    }

    public static func + (lhs: RobotSet, rhs: RobotSet) -> RobotSet {
        switch (lhs, rhs) {
        case (.all, _), (_, .all): .all
        case (.some(let left), .some(let right)): .some(left.union(right))
        }
    }

    public var description: String {
        switch self {
        case .all: "every robot"
        case .some(let things) where things.isEmpty: "no robot"
        case .some(let things): things.sorted().joined(separator: ", ")
        }
    }
}
