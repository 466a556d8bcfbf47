import StrictJSON
import Testing

/// Setting top-level members in the bytes of a document: the members set change, every other byte stays.
@Suite struct JSONObjectLayoutTests {
    static func set(_ updates: [(String, JSONValue)], in text: String) throws -> String {
        let bytes = Array(text.utf8)
        let (_, layout) = try JSONParser.parseKeepingLayout(bytes)
        let result = try #require(layout).setting(updates.map { (key: $0.0, value: $0.1) }, in: bytes)
        _ = try JSONParser.parse(result)  // still strict JSON
        return String(decoding: result, as: UTF8.self)
    }

    @Test func anExistingMemberChangesInPlaceAndTheRestKeepsItsBytes() throws {
        #expect(
            try Self.set([("account", "111")], in: #"{ "n": 1.50, "account" : "spoof", "big": 12345678901234567890 }"#)
                == #"{ "n": 1.50, "account" : "111", "big": 12345678901234567890 }"#)
    }

    @Test func newMembersAreAppendedInOrder() throws {
        #expect(try Self.set([("a", 1), ("b", .null)], in: #"{"x":{"y":[1,2]}}"#) == #"{"x":{"y":[1,2]},"a":1,"b":null}"#)
        #expect(try Self.set([("a", true)], in: "{}") == #"{"a":true}"#)
        #expect(try Self.set([("a", true)], in: "{ }\n") == "{ \"a\":true}\n")
    }

    @Test func aKeyGivenTwiceKeepsItsLastValueAndKeysAreEscaped() throws {
        #expect(try Self.set([("k", 1), ("q\"", "v"), ("k", 2)], in: #"{"k":0}"#) == #"{"k":2,"q\"":"v"}"#)
    }

    @Test func onlyTopLevelObjectsHaveALayout() throws {
        #expect(try JSONParser.parseKeepingLayout(Array("[{\"a\":1}]".utf8)).1 == nil)
        #expect(try JSONParser.parseKeepingLayout(Array("\"text\"".utf8)).1 == nil)
        let (_, layout) = try JSONParser.parseKeepingLayout(Array(#"{"a":{"b":2},"c":3}"#.utf8))
        #expect(layout?.members.map(\.key) == ["a", "c"], "nested members are not top-level ones")
        #expect(layout?.members.map(\.value) == [5..<12, 17..<18])
        #expect(layout?.closingBrace == 18)
    }

    @Test func theStrictRulesStillHold() {
        #expect(throws: JSONParseError.self) { try JSONParser.parseKeepingLayout(Array(#"{"a":1,"a":2}"#.utf8)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parseKeepingLayout([]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parseKeepingLayout([0x7B, 0xFF, 0x7D]) }
    }
}
