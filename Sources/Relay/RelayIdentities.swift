/// A rule's identity: its position in the config — and so in ``RelayPlan/rules`` and in every table built from
/// the plan — and its name, which the queue's rows carry. Made only by ``RelayPlan``.
struct RuleID: Hashable, Sendable, CustomStringConvertible {
    let index: Int
    let name: String

    var description: String { name }
}

/// One destination of a rule: its `targets[n]`, or its `errorAction`.
enum TargetID: Hashable, Sendable, CustomStringConvertible {
    case target(Int)
    case errorAction

    /// The name the queue's rows carry: `"0"`, `"1"`, … and `"error"`. Queue files on disk hold these: this
    /// and ``init(stored:)`` are the only places that spell them.
    var stored: String {
        switch self {
        case .target(let index): String(index)
        case .errorAction: "error"
        }
    }

    /// The target a stored name stands for; nil for a name the relay never writes.
    init?(stored: String) {
        if stored == "error" {
            self = .errorAction
            return
        }
        guard let index = Int(stored), index >= 0, String(index) == stored else { return nil }
        self = .target(index)
    }

    var description: String { stored }
}

/// One target of one rule: a lane of deliveries, in the queue file and in memory.
struct LaneID: Hashable, Sendable, CustomStringConvertible {
    let rule: RuleID
    let target: TargetID

    /// `rule/target` (`hooks/0`, `hooks/error`): how the queue's depth report keys a lane, and how logs name it.
    var description: String { "\(rule.name)/\(target.stored)" }
}

/// An account's broker connection: its position in ``RelayPlan/connections``. Made only by ``RelayPlan``.
struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    let index: Int
    /// The account's name.
    let account: String

    var description: String { account }
}
