import EventPattern
import Testing

/// `numeric` compares JSON numbers only; strings that look like numbers, booleans and null never match.
@Suite struct NumericTests {
    @Test(arguments: [
        // One comparison each.
        (#"["<", 10]"#, "9.99", true),
        (#"["<", 10]"#, "10", false),
        (#"["<", 10]"#, "-1e9", true),
        (#"["<=", 10]"#, "10", true),
        (#"["<=", 10]"#, "10.000001", false),
        (#"[">", 10]"#, "10", false),
        (#"[">", 10]"#, "10.5", true),
        (#"[">=", 10]"#, "10", true),
        (#"[">=", 10]"#, "9.999999", false),
        (#"["=", 3.018e2]"#, "301.8", true),
        (#"["=", 3.018e2]"#, "301.80", true),
        (#"["=", 3.018e2]"#, "302", false),
        (#"["=", 0]"#, "-0", true),
        // Ranges.
        (#"[">", 0, "<=", 5]"#, "0", false),
        (#"[">", 0, "<=", 5]"#, "0.000001", true),
        (#"[">", 0, "<=", 5]"#, "5", true),
        (#"[">", 0, "<=", 5]"#, "5.000001", false),
        (#"[">", 0, "<=", 5]"#, "-1", false),
        (#"[">=", 0, "<", 5]"#, "0", true),
        (#"[">=", 0, "<", 5]"#, "5", false),
        (#"["<", 5, ">", 0]"#, "3", true),
        (#"["<", 5, ">", 0]"#, "5", false),
        (#"[">=", 5, "<=", 5]"#, "5", true),
        (#"[">=", 5, "<=", 5]"#, "5.1", false),
        (#"[">", -10.5, "<", -10]"#, "-10.25", true),
        // Only JSON numbers.
        (#"[">", 0, "<=", 5]"#, #""3""#, false),
        (#"[">", 0, "<=", 5]"#, "true", false),
        (#"[">", 0, "<=", 5]"#, "null", false),
        (#"[">", 0, "<=", 5]"#, #"{"n": 3}"#, false),
        // Arrays: any element in range.
        (#"[">", 0, "<=", 5]"#, "[10, 3]", true),
        (#"[">", 0, "<=", 5]"#, #"["3", 10]"#, false),
    ])
    func numeric(range: String, value: String, expected: Bool) throws {
        #expect(try leafMatches(#"[{"numeric": \#(range)}]"#, value) == expected)
    }

    @Test func missingFieldIsNotInAnyRange() throws {
        #expect(try leafMatches(#"[{"numeric": [">", 0]}]"#, nil) == false)
        #expect(try leafMatches(#"[{"numeric": ["<", 0]}]"#, nil) == false)
    }

    @Test func severalRangesAreAlternatives() throws {
        let alternatives = #"[{"numeric": ["<", 0]}, {"numeric": [">", 100]}, 50]"#
        #expect(try leafMatches(alternatives, "-1"))
        #expect(try leafMatches(alternatives, "101"))
        #expect(try leafMatches(alternatives, "50"))
        #expect(try leafMatches(alternatives, "0") == false)
        #expect(try leafMatches(alternatives, "100") == false)
    }
}
