import EventPattern
import Testing

/// `anything-but` matches every present value except the excluded ones — including values of another type and an
/// explicit null — and never a missing field.
@Suite struct AnythingButTests {
    @Test(
        arguments: [
            (#""running""#, true),
            (#""initializing""#, false),
            (#""Initializing""#, true),
            (#""""#, true),
            ("5", true),
            ("true", true),
            ("null", true),
            (#"["initializing", "running"]"#, true),
            (#"["initializing"]"#, false),
            ("[]", false),
            (#"{"state": "running"}"#, false),
            (nil, false),
        ] as [(String?, Bool)])
    func singleString(value: String?, expected: Bool) throws {
        #expect(try leafMatches(#"[{"anything-but": "initializing"}]"#, value) == expected)
    }

    @Test(
        arguments: [
            ("124", true),
            ("123", false),
            ("123.0", false),
            ("1.23e2", false),
            (#""123""#, true),
            ("null", true),
            (nil, false),
        ] as [(String?, Bool)])
    func singleNumber(value: String?, expected: Bool) throws {
        #expect(try leafMatches(#"[{"anything-but": 123}]"#, value) == expected)
    }

    @Test(
        arguments: [
            (#""running""#, true),
            (#""stopped""#, false),
            (#""overloaded""#, false),
            (#"["stopped", "overloaded"]"#, false),
            (#"["stopped", "pending"]"#, true),
            ("0", true),
            (nil, false),
        ] as [(String?, Bool)])
    func stringList(value: String?, expected: Bool) throws {
        #expect(try leafMatches(#"[{"anything-but": ["stopped", "overloaded"]}]"#, value) == expected)
    }

    @Test(
        arguments: [
            ("150", true),
            ("100", false),
            ("2e2", false),
            ("300.0", false),
            ("300.5", true),
            (#""200""#, true),
            ("[100, 200]", false),
            ("[100, 201]", true),
            (nil, false),
        ] as [(String?, Bool)])
    func numberList(value: String?, expected: Bool) throws {
        #expect(try leafMatches(#"[{"anything-but": [100, 200, 300]}]"#, value) == expected)
    }

    @Test(
        arguments: [
            (#""running""#, true),
            (#""initializing""#, false),
            (#""init""#, false),
            (#""INIT""#, true),
            (#""""#, true),
            ("5", true),
            ("null", true),
            (#"["init-1", "init-2"]"#, false),
            (#"["init-1", "ready"]"#, true),
            (nil, false),
        ] as [(String?, Bool)])
    func prefix(value: String?, expected: Bool) throws {
        #expect(try leafMatches(#"[{"anything-but": {"prefix": "init"}}]"#, value) == expected)
    }

    @Test func anythingButWithAnotherAlternative() throws {
        // "anything but stopped, or a number above 10": the numeric alternative cannot rescue "stopped".
        let alternatives = #"[{"anything-but": "stopped"}, {"numeric": [">", 10]}]"#
        #expect(try leafMatches(alternatives, #""running""#))
        #expect(try leafMatches(alternatives, #""stopped""#) == false)
        #expect(try leafMatches(alternatives, "11"))
    }
}
