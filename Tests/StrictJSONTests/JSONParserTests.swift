import StrictJSON
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        #"{"action":"forward","speed":0.7,"durationMs":300,"id":"abc"}"#,
        #"{}"#,
        #"[]"#,
        #"[1,2,[3,{"a":null}],true,false,"x"]"#,
        #""just a string""#,
        #"42"#,
        #"-0.5"#,
        #"null"#,
        #"{"nested":{"deeper":{"list":[{},[],""]}}}"#,
        #"{"escaped":"quote \" backslash \\ newline \u000a tab \u0009 bell \u0007"}"#,
        #"{"unicode":"héllo wörld ✓ 🤖"}"#,
    ])
    func compactDocumentsRoundTripByteForByte(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value.serializedString() == text)
    }

    @Test func whitespaceAroundAndBetweenTokensIsAccepted() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] ,\n\"b\":true }\n ")
        #expect(value == ["a": [1, 2], "b": true])
    }

    @Test func objectsKeepKeyOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
    }

    @Test func accessorsReachIntoValues() throws {
        let value = try JSONParser.parse(#"{"s":"x","n":2,"f":2.5,"b":false,"a":[null],"o":{}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.intValue == 2)
        #expect(value["f"]?.intValue == nil)
        #expect(value["f"]?.doubleValue == 2.5)
        #expect(value["b"]?.boolValue == false)
        #expect(value["a"]?[0]?.isNull == true)
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["s"] == nil)
    }

    @Test func simpleEscapesDecode() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\t"))
    }

    @Test(arguments: [
        (#""\u00e9""#, "é"),
        (#""\u00E9""#, "é"),
        (#""\u0000""#, "\u{0}"),
        (#""\u20AC""#, "€"),
        (#""\uD83E\uDD16""#, "🤖"),
        (#""a\uD834\uDD1Eb""#, "a𝄞b"),
        (#""\uFFFF""#, "\u{FFFF}"),
    ])
    func unicodeEscapesDecode(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    @Test func parsesFromEveryInputShape() throws {
        let text = #"{"a":[1]}"#
        let expected: JSONValue = ["a": [1]]
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
        #expect(try JSONParser.parse(Array(("xx" + text).utf8).dropFirst(2)) == expected)
        #expect(try JSONParser.parse(text.utf8) == expected)
        let bytes = Array(text.utf8)
        let value = try bytes.withUnsafeBytes { buffer in try JSONParser.parse(buffer) }
        #expect(value == expected)
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = JSONParser.maxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try JSONParser.parse(text).arrayValue != nil)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(try JSONParser.parse(objects).objectValue != nil)
    }

    @Test func nestingBeyondTheLimitIsRejected() {
        let depth = JSONParser.maxDepth + 1
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(
            throws: JSONParseError(
                kind: .tooDeep, offset: 64, detail: "arrays and objects nested deeper than 64 levels"
            )
        ) {
            try JSONParser.parse(text)
        }
        let mixed = String(repeating: #"{"a":["#, count: 40)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(mixed) }
        #expect(error?.kind == .tooDeep)
    }

    @Test func largeObjectsStillFindDuplicateKeys() {
        let members = (0..<100).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(throws: Never.self) { try JSONParser.parse("{\(members)}") }
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse("{\(members),\"k42\":0}") }
        #expect(error?.detail == #"duplicate key "k42""#)
    }
}
