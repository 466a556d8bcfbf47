import JSONConfig
import Relay
import StrictJSON
import Testing

/// The `relay` section is validated as a whole when it loads; every refusal names the key path and the fix.
struct RelayConfigTests {
    static let accounts = """
        "accounts":{
          "customer":{"accountId":"111111111111","mqtt":{"endpoint":"localhost","caFile":"/dev/null","certFile":"/dev/null","keyFile":"/dev/null"}},
          "partner":{"accountId":"222222222222","mqtt":{"endpoint":"localhost","caFile":"/dev/null","certFile":"/dev/null","keyFile":"/dev/null"},
                     "grants":[{"from":"customer","topics":["cross_account_hooks/111111111111/#"]}]},
          "data":{"accountId":"333333333333","sqs":{"region":"eu-west-1","accessKeyId":"k","secretAccessKey":"s"},
                  "grants":[{"from":"customer","queues":["iot-data"]}]}}
        """

    static func parse(rules: String) throws(ConfigError) -> RelayConfig {
        let text = #"{"relay":{\#(accounts),"rules":[\#(rules)]}}"#
        let root = try! JSONParser.parse(text).objectValue!
        let reader = ConfigReader(root)
        var unknown: [String] = []
        return try RelayConfig.parse(try reader.object("relay")!, directory: "/tmp", unknown: &unknown)
    }

    static func error(rules: String) -> String {
        do {
            _ = try parse(rules: rules)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func theSeedRulesLoad() throws {
        let config = try Self.parse(
            rules: """
                {"name":"hook","source":{"account":"customer","topic":"cross_account_hooks/+/+","shareGroup":"relays"},
                 "filter":{"thingName":[{"exists":true}]},
                 "set":{"account":"${accountId}","operation":"${topic(3)}"},"require":["thingName"],
                 "targets":[{"mqtt":{"account":"partner","topic":"cross_account_hooks/${accountId}/debug/${topic(3)}"}}],
                 "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}}},
                {"name":"sqs","source":{"account":"customer","topic":"data/private"},
                 "targets":[{"sqs":{"account":"data","queue":"iot-data","base64":true}}]}
                """)
        #expect(config.rules.map(\.name) == ["hook", "sqs"])
        #expect(config.rules[0].source.subscription == "$share/relays/cross_account_hooks/+/+")
        #expect(config.rules[0].targets[0].label == "mqtt:partner/cross_account_hooks/${accountId}/debug/${topic(3)}")
        #expect(config.accounts["customer"]?.mqtt?.settings.protocolVersion == 5)
        #expect(config.queuePath == "/tmp/relay.db")
        #expect(config.durability == .full, "power-loss safe unless the config says otherwise")
    }

    @Test func aRuleCrossingAccountsWithoutAGrantForTheTopicRefusesToLoad() {
        let message = Self.error(
            rules: """
                {"name":"leak","source":{"account":"customer","topic":"data/#"},
                 "targets":[{"mqtt":{"account":"partner","topic":"partner/private/${topic(2)}"}}]}
                """)
        #expect(
            message
                == #"relay.rules[0].targets[0]: rule "leak" publishes from account "customer" (111111111111) to account "partner" (222222222222) on "partner/private/${topic(2)}", but "partner" has no grant from "customer" covering that topic — add {"from": "customer", "topics": ["…"]} to relay.accounts.partner.grants"#
        )
    }

    @Test func aGrantForOneAccountsTopicsDoesNotCoverAVariableLevelInTheirPlace() {
        // The grant covers cross_account_hooks/111111111111/#; a topic level taken from the message could be any id.
        let message = Self.error(
            rules: """
                {"name":"spoofable","source":{"account":"customer","topic":"in/+"},
                 "targets":[{"mqtt":{"account":"partner","topic":"cross_account_hooks/${topic(2)}/x"}}]}
                """)
        #expect(message.hasPrefix(#"relay.rules[0].targets[0]: rule "spoofable" publishes from account "customer""#))
    }

    @Test func aQueueWithoutAGrantRefusesToLoad() {
        let message = Self.error(
            rules: """
                {"name":"q","source":{"account":"customer","topic":"data/private"},
                 "targets":[{"sqs":{"account":"data","queue":"billing"}}]}
                """)
        #expect(
            message
                == #"relay.rules[0].targets[0]: rule "q" sends from account "customer" (111111111111) to queue "billing" of account "data" (333333333333), but "data" has no grant from "customer" for that queue — add {"from": "customer", "queues": ["billing"]} to relay.accounts.data.grants"#
        )
    }

    @Test(arguments: [
        (#""filter":{"detail":{"amount":[{"numeric":[">",5,"<",3]}]}}"#, "relay.rules[0].filter.detail.amount"),
        (#""filter":{"state":[{"suffixx":"x"}]}"#, "relay.rules[0].filter.state"),
        (#""set":{"who":"${clientId}"}"#, "relay.rules[0].set.who: ${clientId} needs relay.accounts.customer.clientIdTopicLevel"),
        (#""set":{"when":"${now}"}"#, "relay.rules[0].set.when: \"${now}\": unknown substitution ${now}"),
        (#""source":{"account":"nobody","topic":"a"}"#, "relay.rules[0].source.account: no account named \"nobody\""),
        (#""source":{"account":"customer","topic":"a/#/b"}"#, "relay.rules[0].source.topic: \"a/#/b\": \"#\" must be a whole level and the last one"),
        (#""source":{"account":"data","topic":"a"}"#, "relay.rules[0].source.account: account \"data\" has no mqtt section"),
    ])
    func configErrorsNameTheRuleAndThePath(fragment: String, expected: String) {
        let hasSource = fragment.hasPrefix(#""source""#)
        let rule =
            #"{"name":"r","#
            + (hasSource ? "" : #""source":{"account":"customer","topic":"a/b"},"#)
            + fragment + #","targets":[{"mqtt":{"account":"customer","topic":"out"}}]}"#
        let message = Self.error(rules: rule)
        #expect(message.hasPrefix(expected), "\(message)")
    }

    @Test func aDestinationTopicMayNotHoldWildcardsOrFreeText() {
        #expect(
            Self.error(rules: #"{"name":"w","source":{"account":"customer","topic":"a"},"targets":[{"mqtt":{"account":"customer","topic":"out/#"}}]}"#)
                == #"relay.rules[0].targets[0].mqtt.topic: "out/#": a destination topic cannot contain the wildcards + or #"#)
        #expect(
            Self.error(rules: #"{"name":"t","source":{"account":"customer","topic":"a"},"targets":[{"mqtt":{"account":"customer","topic":"out/${topic}"}}]}"#)
                .hasSuffix("only ${topic(n)}, ${accountId} and ${rule} may appear in a topic (one level each)"))
    }

    @Test func twoRulesMayNotShareAName() {
        let rule = #"{"name":"same","source":{"account":"customer","topic":"a"},"targets":[{"mqtt":{"account":"customer","topic":"b"}}]}"#
        #expect(Self.error(rules: rule + "," + rule) == #"relay.rules[1].name: "same" is used by another rule"#)
    }
}
