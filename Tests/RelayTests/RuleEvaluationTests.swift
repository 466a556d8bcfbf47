import JSONConfig
@testable import Relay
import StrictJSON
import Testing

/// filter → set → require on one payload, without brokers.
struct RuleEvaluationTests {
    static func rule(_ body: String) throws -> RelayConfig.Rule {
        try RelayConfigTests.parse(
            rules: #"{"name":"r","source":{"account":"customer","topic":"cross_account_hooks/+/+"},"# + body
                + #","targets":[{"mqtt":{"account":"customer","topic":"out"}}]}"#
        ).rules[0]
    }

    static let context = FieldTemplate.MessageContext(
        topic: "cross_account_hooks/111111111111/create_thing",
        accountID: "111111111111",
        receivedAt: 1_700_000_000_000, messageID: "m-1", rule: "r", clientIDLevel: nil)

    static func object(_ outcome: RuleOutcome) -> JSONValue? {
        guard case .deliver(let bytes) = outcome else { return nil }
        return try? JSONParser.parse(bytes)
    }

    @Test func trustedFieldsOverwriteWhatThePublisherSent() throws {
        let rule = try Self.rule(#""set":{"account":"${accountId}","operation":"${topic(3)}","meta.at":"${timestamp}"}"#)
        let outcome = rule.evaluate(
            payload: Array(#"{"account":"999","operation":"Delete","thingName":"t","meta":"x"}"#.utf8), context: Self.context)
        let json = Self.object(outcome)
        #expect(json?["account"]?.stringValue == "111111111111")
        #expect(json?["operation"]?.stringValue == "create_thing")
        #expect(json?["thingName"]?.stringValue == "t")
        #expect(json?["meta"]?["at"]?.doubleValue == 1_700_000_000_000)
    }

    @Test func topLevelFieldsAreSetInTheBytesAsTheyCame() throws {
        let rule = try Self.rule(#""set":{"account":"${accountId}","at":"${timestamp}"},"require":["thingName","at"]"#)
        let payload = #"{"account": "999", "thingName":"t", "n":1.50}"#
        let outcome = rule.evaluate(payload: Array(payload.utf8), context: Self.context)
        guard case .deliver(let bytes) = outcome else {
            Issue.record("expected a delivery, got \(outcome)")
            return
        }
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"account": "111111111111", "thingName":"t", "n":1.50,"at":1700000000000}"#)
        #expect(
            rule.evaluate(payload: Array(#"{"account":"999"}"#.utf8), context: Self.context)
                == .reject(reason: "required field thingName is missing"))
    }

    @Test func aMissingRequiredFieldIsRejectedWithItsName() throws {
        let rule = try Self.rule(#""set":{"account":"${accountId}"},"require":["account","detail.thingName"]"#)
        #expect(
            rule.evaluate(payload: Array(#"{"detail":{}}"#.utf8), context: Self.context)
                == .reject(reason: "required field detail.thingName is missing"))
    }

    @Test func theFilterDecidesBeforeAnythingIsWritten() throws {
        let rule = try Self.rule(#""filter":{"state":["on"]},"set":{"x":1}"#)
        #expect(rule.evaluate(payload: Array(#"{"state":"off"}"#.utf8), context: Self.context) == .filteredOut)
        #expect(Self.object(rule.evaluate(payload: Array(#"{"state":"on"}"#.utf8), context: Self.context))?["x"] == .number(1))
    }

    @Test func nonJSONPassesThroughUntouchedOnlyWhenTheRuleDoesNotReadIt() throws {
        let bytes: [UInt8] = [0xff, 0x00, 0x01]
        #expect(try Self.rule(#""maxAttempts":3"#).evaluate(payload: bytes, context: Self.context) == .deliver(bytes))
        guard case .reject(let reason) = try Self.rule(#""require":["a"]"#).evaluate(payload: bytes, context: Self.context)
        else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reason.hasPrefix("the payload is not JSON"))
        #expect(
            try Self.rule(#""set":{"a":1}"#).evaluate(payload: Array("[1]".utf8), context: Self.context)
                == .reject(reason: "the payload is JSON but not an object (array); set and require need one"))
    }
}
