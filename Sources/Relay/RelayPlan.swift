/// The relay's configuration turned, once and before anything starts, into what the running parts need: typed
/// identities for rules, targets and lanes, each account's connection with the subscriptions its rules ask for,
/// each lane's window, capacity and delivery policy. Immutable; built and checked whole, so nothing later looks
/// anything up by a string or finds it missing.
///
/// ``RelayService`` builds, in order: the plan; the lanes and counters from it (``RelayLanes``); the MQTT clients
/// from the plan's connections, each with an ``IngestGate`` that gets its connection's plan and the lanes; the
/// senders from the clients; the routes from the plan's lanes and the senders. Nothing is installed into
/// anything after both exist.
struct RelayPlan: Sendable {
    /// Every rule, in config order: `rules[id.index]` is the rule `id`.
    let rules: [RulePlan]
    /// One per account with an `mqtt` section, by account name: `connections[id.index]` is the connection `id`.
    let connections: [ConnectionPlan]

    /// Why a configuration cannot be planned. ``RelayConfig/parse(_:directory:unknown:)`` refuses all of these
    /// first; a config built in code may still have them.
    struct Error: Swift.Error, CustomStringConvertible {
        let description: String
    }

    init(_ config: RelayConfig) throws(Error) {
        let connected = config.accounts.values.compactMap { account in account.mqtt.map { (account, $0) } }
            .sorted { $0.0.name < $1.0.name }
        let connectionIDs = Dictionary(
            uniqueKeysWithValues: connected.enumerated().map { ($1.0.name, ConnectionID(index: $0, account: $1.0.name)) })
        let ruleIDs = config.rules.enumerated().map { RuleID(index: $0, name: $1.name) }
        var rules: [RulePlan] = []
        for (id, rule) in zip(ruleIDs, config.rules) {
            guard let source = config.accounts[rule.sourceAccount], let connection = connectionIDs[source.name] else {
                throw Error(description: "rule \"\(rule.name)\": account \"\(rule.sourceAccount)\" has no mqtt section")
            }
            let hasErrorAction = rule.errorAction != nil
            var targets: [TargetPlan] = []
            for (index, target) in rule.targets.enumerated() {
                targets.append(
                    try TargetPlan(
                        LaneID(rule: id, target: .target(index)), target, rule: rule,
                        role: .target(withErrorAction: hasErrorAction), config: config, connections: connectionIDs))
            }
            let errorAction = try rule.errorAction.map { target throws(Error) in
                try TargetPlan(
                    LaneID(rule: id, target: .errorAction), target, rule: rule, role: .errorAction, config: config,
                    connections: connectionIDs)
            }
            rules.append(
                RulePlan(
                    id: id, rule: rule, source: source, connection: connection, targets: targets,
                    errorAction: errorAction))
        }
        self.rules = rules
        self.connections = connected.enumerated().map { index, connection in
            let (account, mqtt) = connection
            return ConnectionPlan(
                id: ConnectionID(index: index, account: account.name), account: account, mqtt: mqtt,
                readers: rules.filter { $0.source.name == account.name })
        }
    }

    subscript(rule: RuleID) -> RulePlan { rules[rule.index] }

    subscript(connection: ConnectionID) -> ConnectionPlan { connections[connection.index] }

    /// Every lane: each rule's targets, then its error action, rule by rule.
    var lanes: [TargetPlan] { rules.flatMap(\.lanes) }

    /// The rule of that name, if one is configured.
    func rule(named name: String) -> RulePlan? {
        rules.first { $0.id.name == name }
    }

    /// The lane that queue rows with these names belong to; nil when it is no longer configured (a rule renamed,
    /// a target removed).
    func lane(rule name: String, target stored: String) -> LaneID? {
        guard let rule = rule(named: name), let target = TargetID(stored: stored) else { return nil }
        return rule.target(target)?.lane
    }

    /// The lane a key of the queue's depth report (`rule/target`; rule names have no `/`) stands for.
    func lane(depthKey key: String) -> LaneID? {
        guard let slash = key.firstIndex(of: "/") else { return nil }
        return lane(rule: String(key[..<slash]), target: String(key[key.index(after: slash)...]))
    }

    /// The most deliveries a lane holds in memory: 8 windows, at least 8192 — a few MB of a few hundred bytes
    /// each. The rest of a backlog stays in the queue file and is paged in as the lane drains.
    static func laneCapacity(window: Int) -> Int {
        max(8 * window, 8192)
    }
}

/// One rule, with its source and its lanes.
struct RulePlan: Sendable {
    let id: RuleID
    let rule: RelayConfig.Rule
    /// The account it reads from: its id and client-id level fill `${accountId}` and `${clientId}`.
    let source: RelayConfig.Account
    /// That account's connection.
    let connection: ConnectionID
    /// `targets[n]`'s lane is `.target(n)`.
    let targets: [TargetPlan]
    let errorAction: TargetPlan?

    /// The targets in order, then the error action.
    var lanes: [TargetPlan] {
        guard let errorAction else { return targets }
        return targets + [errorAction]
    }

    func target(_ id: TargetID) -> TargetPlan? {
        switch id {
        case .target(let index): targets.indices.contains(index) ? targets[index] : nil
        case .errorAction: errorAction
        }
    }
}

/// One account's broker connection: where MQTT targets publish, and where the rules reading the account subscribe.
struct ConnectionPlan: Sendable {
    let id: ConnectionID
    let account: RelayConfig.Account
    let mqtt: RelayConfig.AccountMQTT
    /// The rules that read from this account, in config order.
    let rules: [RuleID]
    /// One per distinct source filter of those rules (a broker keeps one subscription per filter and client), in
    /// order of first use; the broker names a message's by their ``Subscription/identifier``.
    let subscriptions: [Subscription]

    struct Subscription: Sendable, Equatable {
        let filter: String
        /// Its index + 1 (MQTT v5 subscription identifiers start at 1).
        let identifier: Int
        /// The rules with this filter, in config order.
        let rules: [RuleID]
    }

    init(id: ConnectionID, account: RelayConfig.Account, mqtt: RelayConfig.AccountMQTT, readers: [RulePlan]) {
        self.id = id
        self.account = account
        self.mqtt = mqtt
        self.rules = readers.map(\.id)
        var seen = Set<String>()
        let filters = readers.map(\.rule.source.subscription).filter { seen.insert($0).inserted }
        self.subscriptions = filters.enumerated().map { index, filter in
            Subscription(
                filter: filter, identifier: index + 1,
                rules: readers.filter { $0.rule.source.subscription == filter }.map(\.id))
        }
    }

    /// The rules of the subscriptions a broker named (unknown identifiers name none), in the order named.
    func rules(identifiers: [Int]) -> [RuleID] {
        identifiers.flatMap { identifier in
            subscriptions.indices.contains(identifier - 1) ? subscriptions[identifier - 1].rules : []
        }
    }
}
