import Basics
import RelayQueue

/// One target of one rule: where its lane's deliveries go, and how failures are handled.
struct Route: Sendable {
    let rule: RelayConfig.Rule
    /// `"0"`, `"1"`, … for the rule's targets; `"error"` for its error action.
    let target: String
    let label: String
    let lane: Lane
    let sender: any TargetSender
    let backoff: CappedBackoff
    /// The rule's counters.
    let counters: RuleCounters

    var isErrorAction: Bool { target == Route.errorTarget }

    static let errorTarget = "error"

    static func key(rule: String, target: String) -> String { "\(rule)/\(target)" }
}
