import EventPattern
import Testing

/// Literal alternatives: strings byte for byte, numbers numerically, booleans, null and the empty string.
@Suite struct ExactMatchTests {
    @Test(arguments: [
        (#""approved""#, true),
        (#""Approved""#, false),
        (#""approved ""#, false),
        (#""approve""#, false),
        (#""""#, false),
        ("1", false),
        ("true", false),
        ("null", false),
        (#"{"approved": 1}"#, false),
        (#"["approved"]"#, true),
        (#"["denied", "approved"]"#, true),
        (#"[["denied"], ["approved"]]"#, true),
        (#"["denied"]"#, false),
        ("[]", false),
    ])
    func string(value: String, expected: Bool) throws {
        #expect(try leafMatches(#"["approved"]"#, value) == expected)
    }

    @Test func missingFieldMatchesNoLiteral() throws {
        for alternatives in [#"["a"]"#, "[1]", "[true]", "[false]", "[null]", #"[""]"#] {
            #expect(try leafMatches(alternatives, nil) == false, "\(alternatives)")
        }
    }

    @Test func stringsCompareBytesWithoutUnicodeNormalization() throws {
        let precomposed = #"["caf\u00e9"]"#
        #expect(try leafMatches(precomposed, #""caf\u00e9""#))
        #expect(try leafMatches(precomposed, #""café""#))
        #expect(try leafMatches(precomposed, #""cafe\u0301""#) == false)
    }

    @Test(arguments: [
        ("300", true),
        ("300.0", true),
        ("3e2", true),
        ("3.0E+2", true),
        ("301", false),
        ("299.999", false),
        (#""300""#, false),
        ("[1, 300]", true),
        ("null", false),
    ])
    func number(value: String, expected: Bool) throws {
        #expect(try leafMatches("[300]", value) == expected)
    }

    @Test func numbersCompareNumerically() throws {
        #expect(try leafMatches("[0]", "-0"))
        #expect(try leafMatches("[1.5]", "1.50"))
        #expect(try leafMatches("[3.018e2]", "301.8"))
        #expect(try leafMatches("[-7]", "-7.0"))
        #expect(try leafMatches("[0.1]", "0.10000001") == false)
    }

    @Test(arguments: [
        ("[true]", "true", true),
        ("[true]", "false", false),
        ("[true]", #""true""#, false),
        ("[true]", "1", false),
        ("[true]", "null", false),
        ("[false]", "false", true),
        ("[false]", "true", false),
        ("[false]", "0", false),
        ("[false]", #""""#, false),
        ("[true, false]", "false", true),
        ("[false]", "[true, false]", true),
    ])
    func boolean(alternatives: String, value: String, expected: Bool) throws {
        #expect(try leafMatches(alternatives, value) == expected)
    }

    @Test(arguments: [
        ("null", true),
        ("[null]", true),
        (#"["a", null]"#, true),
        (#""""#, false),
        (#""null""#, false),
        ("0", false),
        ("false", false),
        ("{}", false),
        ("[]", false),
    ])
    func null(value: String, expected: Bool) throws {
        #expect(try leafMatches("[null]", value) == expected)
    }

    @Test(arguments: [
        (#""""#, true),
        (#"["x", ""]"#, true),
        (#"" ""#, false),
        ("null", false),
        ("[]", false),
        ("0", false),
    ])
    func emptyString(value: String, expected: Bool) throws {
        #expect(try leafMatches(#"[""]"#, value) == expected)
    }

    @Test(arguments: [
        (#""a""#, true),
        ("1", true),
        ("1.0", true),
        ("true", true),
        ("null", true),
        (#""b""#, false),
        ("2", false),
        ("false", false),
        (#""""#, false),
    ])
    func mixedAlternatives(value: String, expected: Bool) throws {
        #expect(try leafMatches(#"["a", 1, true, null]"#, value) == expected)
    }
}
