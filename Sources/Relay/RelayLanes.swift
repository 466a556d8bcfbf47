/// Every rule's lanes and counters, built from the plan before any client exists: the ingest gates push into the
/// lanes, the routes send from them, the status page and the dead-letter replay read them.
struct RelayLanes: Sendable {
    /// `rules[id.index]` belongs to the rule `id`.
    private let rules: [RuleLanes]

    init(_ plan: RelayPlan) {
        rules = plan.rules.map { rule in
            RuleLanes(
                counters: RuleCounters(rule: rule.id.name),
                targets: rule.targets.map { Lane(window: $0.window, capacity: $0.capacity) },
                errorAction: rule.errorAction.map { Lane(window: $0.window, capacity: $0.capacity) })
        }
    }

    subscript(rule: RuleID) -> RuleLanes { rules[rule.index] }

    subscript(lane: LaneID) -> Lane? { rules[lane.rule.index].lane(lane.target) }
}

/// One rule's lanes and counters.
struct RuleLanes: Sendable {
    let counters: RuleCounters
    /// `targets[n]` is the lane of `.target(n)`.
    let targets: [Lane]
    let errorAction: Lane?

    func lane(_ target: TargetID) -> Lane? {
        switch target {
        case .target(let index): targets.indices.contains(index) ? targets[index] : nil
        case .errorAction: errorAction
        }
    }
}

extension RuleLanes {
    /// The rule's lanes with their plans: the targets in order, then the error action.
    func pairs(_ rule: RulePlan) -> [(TargetPlan, Lane)] {
        var pairs = Array(zip(rule.targets, targets))
        if let plan = rule.errorAction, let lane = errorAction { pairs.append((plan, lane)) }
        return pairs
    }
}
