/// One lane at work: its plan, the lane, the sender that delivers from it, and where the delivery policy's effects
/// go — the rule's counters and, for a target of a rule with one, the error action's lane.
struct Route: Sendable {
    let plan: TargetPlan
    let lane: Lane
    let sender: any TargetSender
    /// The rule's counters.
    let counters: RuleCounters
    /// The lane of the rule's error action (nil for the error action itself and for a rule without one).
    let errorLane: Lane?

    var id: LaneID { plan.lane }
    var label: String { plan.label }
}
