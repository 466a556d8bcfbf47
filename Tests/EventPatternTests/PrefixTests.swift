import EventPattern
import Testing

@Suite struct PrefixTests {
    @Test(
        arguments: [
            (#""NY-NYC-001""#, true),
            (#""NY-""#, true),
            (#""NY""#, false),
            (#""ny-nyc-001""#, false),
            (#""MA-BOS-01""#, false),
            (#"" NY-NYC""#, false),
            ("5", false),
            ("null", false),
            ("true", false),
            (#"{"NY-": 1}"#, false),
            (#"["MA-BOS-01", "NY-NYC-002"]"#, true),
            (#"["MA-BOS-01"]"#, false),
            (nil, false),
        ] as [(String?, Bool)])
    func prefix(value: String?, expected: Bool) throws {
        #expect(try leafMatches(#"[{"prefix": "NY-"}]"#, value) == expected)
    }

    @Test func emptyPrefixMatchesEveryStringAndNothingElse() throws {
        #expect(try leafMatches(#"[{"prefix": ""}]"#, #""""#))
        #expect(try leafMatches(#"[{"prefix": ""}]"#, #""anything""#))
        #expect(try leafMatches(#"[{"prefix": ""}]"#, "0") == false)
        #expect(try leafMatches(#"[{"prefix": ""}]"#, "null") == false)
    }

    @Test func prefixComparesBytes() throws {
        #expect(try leafMatches(#"[{"prefix": "caf\u00e9"}]"#, #""caf\u00e9 au lait""#))
        #expect(try leafMatches(#"[{"prefix": "caf\u00e9"}]"#, #""cafe\u0301 au lait""#) == false)
        #expect(try leafMatches(#"[{"prefix": "e"}]"#, #""e\u0301""#))
    }

    @Test func severalPrefixesAreAlternatives() throws {
        let alternatives = #"[{"prefix": "eu-"}, {"prefix": "us-"}]"#
        #expect(try leafMatches(alternatives, #""eu-west-1""#))
        #expect(try leafMatches(alternatives, #""us-east-1""#))
        #expect(try leafMatches(alternatives, #""ap-south-1""#) == false)
    }
}
