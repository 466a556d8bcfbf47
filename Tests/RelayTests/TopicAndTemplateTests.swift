@testable import Relay
import StrictJSON
import Testing

struct TopicAndTemplateTests {
    @Test(arguments: [
        ("data/private", "data/private", true),
        ("data/+", "data/private", true),
        ("data/+", "data/private/x", false),
        ("data/#", "data", true),
        ("data/#", "data/a/b", true),
        ("+/+/+", "cross_account_hooks/1/create_thing", true),
        ("#", "$SYS/broker/uptime", false),
        ("+/x", "/x", true),
    ])
    func topicFiltersMatchAsMQTTSays(filter: String, topic: String, matches: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == matches)
    }

    @Test func aSharedSubscriptionSubscribesWithThePrefixAndMatchesWithout() throws {
        let filter = try TopicFilter("load/+", shareGroup: "relays")
        #expect(filter.subscription == "$share/relays/load/+")
        #expect(filter.matches("load/3"))
    }

    @Test func grantsCoverTemplatesLevelByLevel() throws {
        let context = FieldTemplate.StaticContext(accountID: "111", rule: "r")
        let template = try TopicTemplate("hooks/${accountId}/debug/${topic(3)}", context: context)
        #expect(template.levels == [.literal("hooks"), .literal("111"), .literal("debug"), .variable])
        #expect(try TopicFilter("hooks/111/#").covers(template))
        #expect(try TopicFilter("hooks/111/debug/+").covers(template))
        #expect(try !TopicFilter("hooks/111/debug/create").covers(template))
        #expect(try !TopicFilter("hooks/222/#").covers(template))
        #expect(template.constant == nil, "rendered per message")
        let fixed = try TopicTemplate("partner/${accountId}/${rule}/in", context: context)
        #expect(fixed.constant == "partner/111/r/in", "known when the config loads")
    }

    @Test func templatesRenderTheTrustedContext() throws {
        let context = FieldTemplate.MessageContext(
            topic: "cross_account_hooks/111/create_thing",
            accountID: "111111111111",
            receivedAt: 1_700_000_000_123, messageID: "abc-1", rule: "hook", clientIDLevel: 2)
        #expect(try FieldTemplate("${accountId}").render(context) == .string("111111111111"))
        #expect(try FieldTemplate("op:${topic(3)}").render(context) == .string("op:create_thing"))
        #expect(try FieldTemplate("${timestamp}").render(context) == .number(1_700_000_000_123))
        #expect(try FieldTemplate("at ${timestamp}").render(context) == .string("at 1700000000123"))
        #expect(try FieldTemplate("${clientId}/${messageId}/${rule}/${topic(9)}").render(context) == .string("111/abc-1/hook/"))
        #expect(throws: TemplateError.self) { try FieldTemplate("${topic(0)}") }
        #expect(throws: TemplateError.self) { try FieldTemplate("${accountId") }
    }

    @Test func base64MatchesRFC4648() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
        }
    }
}
