import StrictJSON
import Testing

@Suite struct JSONWriterTests {
    @Test(arguments: [
        (JSONValue.number(200), "200"),
        (.number(-3), "-3"),
        (.number(0), "0"),
        (.number(-0.0), "0"),
        (.number(0.1), "0.1"),
        (.number(0.7), "0.7"),
        (.number(-0.25), "-0.25"),
        (.number(9_007_199_254_740_992), "9007199254740992"),
        (.number(-9_007_199_254_740_992), "-9007199254740992"),
        (.number(9_007_199_254_740_994), "9.007199254740994e+15"),
        (.number(1e300), "1e+300"),
        (.number(1e-7), "1e-07"),
        (.number(.nan), "null"),
        (.number(.infinity), "null"),
        (.number(-.infinity), "null"),
        (.bool(true), "true"),
        (.null, "null"),
        (.array([]), "[]"),
        (.object([:]), "{}"),
    ])
    func writesScalars(value: JSONValue, text: String) {
        #expect(value.serializedString() == text)
        #expect(value.serialized() == Array(text.utf8))
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("say \"hi\"", #""say \"hi\"""#),
        (#"C:\robot"#, #""C:\\robot""#),
        ("line\nbreak\ttab\r\u{0}\u{1F}", #""line\u000abreak\u0009tab\u000d\u0000\u001f""#),
        ("slash / stays", #""slash / stays""#),
        ("ünïcödé 🤖 \u{7F}", "\"ünïcödé 🤖 \u{7F}\""),
    ])
    func escapesStrings(text: String, json: String) throws {
        #expect(JSONValue.string(text).serializedString() == json)
        #expect(try JSONParser.parse(json) == .string(text))
    }

    @Test func buildsObjectsInOrder() {
        let pairs: JSONValue = .object([("b", .number(1)), ("a", .string("x")), ("c", .array([.null, true]))])
        #expect(pairs.serializedString() == #"{"b":1,"a":"x","c":[null,true]}"#)
        let literal: JSONValue = ["z": 1.5, "y": ["nested": "yes"], "x": [1, "two"]]
        #expect(literal.serializedString() == #"{"z":1.5,"y":{"nested":"yes"},"x":[1,"two"]}"#)
        #expect(literal.description == literal.serializedString())
    }

    @Test func writeAppendsToExistingBytes() {
        var out = Array("prefix:".utf8)
        JSONValue.array([1, 2]).write(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "prefix:[1,2]")
    }

    @Test func writtenValuesParseBack() throws {
        let value: JSONValue = [
            "s": "quote\" and \\ and \u{1}", "n": -12.5, "i": 7, "b": false, "z": .null,
            "a": [[], [:], ["k": "v"]], "u": "\u{10FFFF}\u{E9}",
        ]
        #expect(try JSONParser.parse(value.serialized()) == value)
    }
}
