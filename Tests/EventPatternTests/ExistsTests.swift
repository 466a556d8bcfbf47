import EventPattern
import Testing

/// `exists` looks at leaf values only: an explicit null is a value, an object or an empty array is not.
@Suite struct ExistsTests {
    static let cases: [(value: String?, exists: Bool)] = [
        (nil, false),
        (#""x""#, true),
        (#""""#, true),
        ("0", true),
        ("false", true),
        ("null", true),
        ("[null]", true),
        (#"["a"]"#, true),
        (#"[{}, "a"]"#, true),
        ("[]", false),
        ("[[]]", false),
        ("{}", false),
        (#"{"c1": 100}"#, false),
        (#"[{"c1": 100}]"#, false),
    ]

    @Test(arguments: cases)
    func existsTrue(value: String?, exists: Bool) throws {
        #expect(try leafMatches(#"[{"exists": true}]"#, value) == exists)
    }

    @Test(arguments: cases)
    func existsFalse(value: String?, exists: Bool) throws {
        #expect(try leafMatches(#"[{"exists": false}]"#, value) == !exists)
    }

    @Test func existsFalseOrAValue() throws {
        let alternatives = #"["none", {"exists": false}]"#
        #expect(try leafMatches(alternatives, nil))
        #expect(try leafMatches(alternatives, #""none""#))
        #expect(try leafMatches(alternatives, #""some""#) == false)
        #expect(try leafMatches(alternatives, "null") == false)
    }

    @Test func existsTrueAndFalseTogetherMatchAnything() throws {
        let alternatives = #"[{"exists": true}, {"exists": false}]"#
        for value in [nil, "1", "null", "{}", "[]"] as [String?] {
            #expect(try leafMatches(alternatives, value), "\(value ?? "missing")")
        }
    }

    @Test func existsFalseUnderAMissingParentMatches() throws {
        let pattern = #"{"detail": {"c-count": [{"exists": false}]}}"#
        #expect(try matches(pattern, #"{"source": "aws.ec2"}"#))
        #expect(try matches(pattern, #"{"detail": null}"#))
        #expect(try matches(pattern, #"{"detail": "flat"}"#))
        #expect(try matches(pattern, #"{"detail": {"c-count": 5}}"#) == false)
        #expect(try matches(#"{"detail": {"c-count": [{"exists": true}]}}"#, #"{"source": "aws.ec2"}"#) == false)
    }
}
