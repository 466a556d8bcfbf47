@testable import Relay
import Testing

/// The plan turns the config into typed identities once: every lane the rules need, each connection's
/// subscriptions, each lane's pacing and policy — and maps the queue's stored names to lanes in one place.
@Suite struct RelayPlanTests {
    static let rules = #"""
        {"name":"hooks","source":{"account":"a","topic":"in/+"},
         "targets":[{"mqtt":{"account":"b","topic":"out/${topic(2)}"}},{"sqs":{"account":"q","queue":"in"}}],
         "errorAction":{"webhook":{"url":"http://hooks.local/errors"}},"maxAttempts":3},
        {"name":"plain","source":{"account":"a","topic":"data/#"},"targets":[{"webhook":{"url":"http://w.local/"}}]},
        {"name":"again","source":{"account":"a","topic":"in/+"},"targets":[{"mqtt":{"account":"a","topic":"copy"}}]}
        """#

    @Test func everyRuleGetsOneLanePerTargetThenItsErrorAction() throws {
        let plan = try Fixtures.plan(rules: Self.rules)
        #expect(plan.rules.map(\.id.name) == ["hooks", "plain", "again"])
        #expect(plan.rules.map(\.id.index) == [0, 1, 2])
        let hooks = plan.rules[0]
        #expect(hooks.lanes.map(\.lane.target) == [.target(0), .target(1), .errorAction])
        #expect(hooks.lanes.map(\.lane.rule) == [hooks.id, hooks.id, hooks.id])
        #expect(plan.rules[1].lanes.map(\.lane.target) == [.target(0)])
        #expect(plan.lanes.count == 5)
        #expect(hooks.target(.target(2)) == nil)
        #expect(plan.rules[1].target(.errorAction) == nil)
        #expect(plan[hooks.id].id == hooks.id)
    }

    /// Queue files on disk name lanes `rule/0`, `rule/1`, `rule/error`: those names must never change.
    @Test func theQueuesStoredNamesStayAsTheyWere() throws {
        let plan = try Fixtures.plan(rules: Self.rules)
        let hooks = plan.rules[0]
        #expect(hooks.lanes.map(\.lane.target.stored) == ["0", "1", "error"])
        #expect(hooks.lanes.map(\.lane.description) == ["hooks/0", "hooks/1", "hooks/error"])
        #expect(plan.lane(rule: "hooks", target: "1") == hooks.targets[1].lane)
        #expect(plan.lane(depthKey: "hooks/error") == hooks.errorAction?.lane)
        #expect(plan.lane(depthKey: "plain/0") == plan.rules[1].targets[0].lane)
        // Lanes no longer configured, and names the relay never writes.
        #expect(plan.lane(depthKey: "plain/1") == nil)
        #expect(plan.lane(depthKey: "plain/error") == nil)
        #expect(plan.lane(depthKey: "gone/0") == nil)
        #expect(plan.lane(depthKey: "hooks") == nil)
        for name in ["01", "-1", "+1", "x", "", "Error"] {
            #expect(TargetID(stored: name) == nil, "\(name)")
        }
        #expect(TargetID(stored: "12") == .target(12))
        #expect(TargetID(stored: "error") == .errorAction)
    }

    @Test func eachLaneIsPacedByItsDestination() throws {
        let plan = try Fixtures.plan(rules: Self.rules)
        let hooks = plan.rules[0]
        let pacing = hooks.lanes.map { [$0.batchSize, $0.concurrency, $0.window, $0.capacity] }
        #expect(pacing[0] == [1000, 1, 1000, 8000 + 192], "MQTT into b: b's maxInflight, default 1000")
        #expect(pacing[1] == [10, 3, 30, 8192], "SQS: batches of 10, the account's concurrency")
        #expect(pacing[2] == [1, 4, 4, 8192], "a webhook: one at a time, 4 at once")
        #expect(plan.rules[2].targets[0].window == 50, "MQTT into a: a's maxInflight")
        #expect(RelayPlan.laneCapacity(window: 2000) == 16_000)
        guard case .sqs(_, let url, let base64) = hooks.targets[1].destination else {
            Issue.record("not an SQS destination")
            return
        }
        #expect(url == "http://sqs.local/333/in")
        #expect(!base64)
        guard case .mqtt(let connection, let topic, let qos) = hooks.targets[0].destination else {
            Issue.record("not an MQTT destination")
            return
        }
        #expect(plan[connection].account.name == "b")
        #expect(topic.text == "out/${topic(2)}")
        #expect(qos == 1)
    }

    @Test func failuresGoToTheErrorActionOnlyFromARulesTargets() throws {
        let plan = try Fixtures.plan(rules: Self.rules)
        let hooks = plan.rules[0]
        #expect(hooks.targets.map(\.policy.role) == [.target(withErrorAction: true), .target(withErrorAction: true)])
        #expect(hooks.errorAction?.policy.role == .errorAction)
        #expect(hooks.targets[0].policy.maxAttempts == 3)
        #expect(hooks.targets[1].policy.label == "sqs:q/in")
        #expect(plan.rules[1].targets[0].policy.role == .target(withErrorAction: false))
        #expect(plan.rules[1].targets[0].policy.maxAttempts == 10)
        #expect(plan.rules[1].targets[0].policy.backoff.initial == .milliseconds(200))
    }

    /// One subscription per distinct filter, in order of first use, identifiers from 1; a message's identifiers
    /// name the rules it is for, each once.
    @Test func eachBrokerConnectionSubscribesOncePerFilter() throws {
        let plan = try Fixtures.plan(rules: Self.rules)
        #expect(plan.connections.map(\.account.name) == ["a", "b"], "accounts with mqtt, by name")
        #expect(plan.connections.map(\.id.index) == [0, 1])
        let a = plan.connections[0]
        #expect(a.mqtt.maxInflight == 50)
        let ids = plan.rules.map(\.id)
        #expect(a.rules == ids)
        #expect(
            a.subscriptions == [
                .init(filter: "in/+", identifier: 1, rules: [ids[0], ids[2]]),
                .init(filter: "data/#", identifier: 2, rules: [ids[1]]),
            ])
        #expect(a.rules(identifiers: [2, 1]) == [ids[1], ids[0], ids[2]])
        #expect(a.rules(identifiers: [0, 3]) == [])
        #expect(plan.connections[1].rules.isEmpty)
        #expect(plan.connections[1].subscriptions.isEmpty)
        #expect(plan.rules.allSatisfy { $0.connection == a.id && $0.source.accountID == "111" })
    }

    /// The loader refuses these first; a config built in code gets an error, not a crash.
    @Test func aConfigThatNamesAnAccountWithoutMQTTIsRefused() throws {
        var config = try Fixtures.config(rules: Self.rules)
        config.accounts["b"]?.mqtt = nil
        #expect(throws: RelayPlan.Error.self) { try RelayPlan(config) }
        config = try Fixtures.config(rules: Self.rules)
        config.rules[1].sourceAccount = "q"
        #expect(throws: RelayPlan.Error.self) { try RelayPlan(config) }
    }
}
