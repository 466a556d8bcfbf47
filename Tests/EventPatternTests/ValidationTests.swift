import EventPattern
import StrictJSON
import Testing

/// Every way a pattern is rejected, with the path inside the pattern and the exact message.
@Suite struct ValidationTests {
    static func rejects(_ pattern: String, at path: String, _ message: String) throws {
        let value = try JSONParser.parse(pattern)
        #expect(throws: EventPatternError(path: path, message: message)) { try EventPattern(value) }
    }

    @Test(arguments: [
        ("[]", "", #"a pattern must be a JSON object such as {"detail": {"state": ["running"]}}, got array"#),
        (#""x""#, "", #"a pattern must be a JSON object such as {"detail": {"state": ["running"]}}, got string "x""#),
        (
            #"{"detail": {"state": "running"}}"#, "detail.state",
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, "#
                + #"got string "running"; wrap the value in an array: ["running"]"#
        ),
        (
            #"{"amount": 5}"#, "amount",
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, got number 5; "#
                + "wrap the value in an array: [5]"
        ),
        (
            #"{"a": null}"#, "a",
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, got null; "#
                + "to match null write [null]"
        ),
        (
            #"{"detail": {"location": {"prefix": "NY-"}}}"#, "detail.location.prefix",
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, got string "NY-"; "#
                + #"operators go inside the array: "location": [{"prefix": …}]"#
        ),
        (
            #"{"exists": false}"#, "exists",
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, got boolean false; "#
                + #"operators go inside the array: "field": [{"exists": …}]"#
        ),
        (
            #"{"$or": [{"a": ["x"]}, {"prefix": "y"}]}"#, "$or[1].prefix",
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, got string "y"; "#
                + #"operators go inside the array: "field": [{"prefix": …}]"#
        ),
    ])
    func leavesMustBeArraysOrObjects(pattern: String, path: String, message: String) throws {
        try Self.rejects(pattern, at: path, message)
    }

    @Test(arguments: [
        (
            #"{"detail": {"state": []}}"#, "detail.state",
            #"empty list of alternatives matches nothing; give at least one value or operator, e.g. ["a"] "#
                + #"or [{"exists": true}]"#
        ),
        (
            #"{"a": [["x"]]}"#, "a",
            #"an alternative must be a string, number, boolean, null or an operator object such as {"prefix": "…"}, "#
                + "got a nested array"
        ),
        (
            #"{"a": [{}]}"#, "a",
            "an operator object needs exactly one key (one of prefix, anything-but, numeric, exists), got {}"
        ),
        (
            #"{"a": [{"prefix": "x", "numeric": [">", 1]}]}"#, "a",
            #"an operator object needs exactly one key, got 2 ("prefix", "numeric"); "#
                + "list several operators as separate alternatives"
        ),
        (
            #"{"a": [{"suffixx": ".png"}]}"#, "a",
            #"unknown operator "suffixx"; expected prefix, anything-but, numeric or exists"#
        ),
        (
            #"{"a": [{"suffix": ".png"}]}"#, "a",
            #"operator "suffix" is not supported here; use prefix, anything-but, numeric or exists"#
        ),
        (
            #"{"a": {"b": [{"cidr": "10.0.0.0/24"}]}}"#, "a.b",
            #"operator "cidr" is not supported here; use prefix, anything-but, numeric or exists"#
        ),
        (#"{"a": [{"prefix": 5}]}"#, "a", #""prefix" needs a string, got number 5"#),
        (#"{"a": [{"prefix": ["x"]}]}"#, "a", #""prefix" needs a string, got array"#),
        (#"{"a": [{"exists": "yes"}]}"#, "a", #""exists" needs true or false, got string "yes""#),
        (#"{"a": [{"exists": null}]}"#, "a", #""exists" needs true or false, got null"#),
    ])
    func alternativesAndOperators(pattern: String, path: String, message: String) throws {
        try Self.rejects(pattern, at: path, message)
    }

    static let anythingButHint =
        #"give a string, a number, a list of strings, a list of numbers, or {"prefix": "…"}"#

    @Test(arguments: [
        (#"null"#, #""anything-but" cannot take null; \#(anythingButHint)"#),
        (#"true"#, #""anything-but" cannot take boolean true; \#(anythingButHint)"#),
        (#"[]"#, #""anything-but" list is empty; give at least one value to exclude"#),
        (#"["a", 1]"#, #""anything-but" list must hold only strings or only numbers, got string and number"#),
        (#"[1, "a"]"#, #""anything-but" list must hold only strings or only numbers, got number and string"#),
        (#"["a", null]"#, #""anything-but" list must hold only strings or only numbers, got string and null"#),
        (#"[true]"#, #""anything-but" list cannot hold boolean true; \#(anythingButHint)"#),
        (#"[{"prefix": "x"}]"#, #""anything-but" list cannot hold object; \#(anythingButHint)"#),
        (#"{}"#, #""anything-but" object must have exactly one key, "prefix"; got 0"#),
        (#"{"prefix": "a", "suffix": "b"}"#, #""anything-but" object must have exactly one key, "prefix"; got 2"#),
        (#"{"suffix": ".png"}"#, #""anything-but" object supports only "prefix", got "suffix""#),
        (#"{"prefix": 1}"#, #""anything-but" prefix needs a string, got number 1"#),
        (#"{"prefix": ""}"#, #""anything-but" prefix must not be empty (every string starts with "")"#),
    ])
    func anythingBut(operand: String, message: String) throws {
        try Self.rejects(#"{"detail": {"state": [{"anything-but": \#(operand)}]}}"#, at: "detail.state", message)
    }

    @Test(arguments: [
        (#""> 5""#, #""numeric" needs an array like [">", 0, "<=", 5], got string "> 5""#),
        ("5", #""numeric" needs an array like [">", 0, "<=", 5], got number 5"#),
        ("[]", "numeric range: expected one or two comparisons (a comparator and a number each), got 0 items"),
        (#"[">"]"#, "numeric range: expected one or two comparisons (a comparator and a number each), got 1 item"),
        (
            #"[">", 0, "<"]"#,
            "numeric range: expected one or two comparisons (a comparator and a number each), got 3 items"
        ),
        (
            #"[">", 0, "<", 5, "=", 3]"#,
            "numeric range: expected one or two comparisons (a comparator and a number each), got 6 items"
        ),
        (#"["=>", 5]"#, #"numeric range: unknown comparator "=>"; expected =, <, <=, > or >="#),
        (#"[">", 0, "<>", 5]"#, #"numeric range: unknown comparator "<>"; expected =, <, <=, > or >="#),
        (#"[5, ">"]"#, "numeric range: item 1 must be a comparator (=, <, <=, > or >=), got number 5"),
        (#"[">", 0, 5, "<"]"#, "numeric range: item 3 must be a comparator (=, <, <=, > or >=), got number 5"),
        (#"[">", "5"]"#, #"numeric range: ">" needs a number, got string "5""#),
        (#"[">", 0, "<=", null]"#, #"numeric range: "<=" needs a number, got null"#),
        (#"["=", 5, "<", 10]"#, #"numeric range: "=" cannot be combined with another comparison"#),
        (#"[">", 0, "=", 5]"#, #"numeric range: "=" cannot be combined with another comparison"#),
        (#"[">", 0, ">=", 5]"#, "numeric range: two lower bounds; combine one of > or >= with one of < or <="),
        (#"["<", 0, "<=", 5]"#, "numeric range: two upper bounds; combine one of > or >= with one of < or <="),
        (#"[">", 5, "<", 3]"#, "numeric range: empty range, no number is > 5 and < 3"),
        (#"["<", 3, ">=", 5]"#, "numeric range: empty range, no number is >= 5 and < 3"),
        (#"[">", 5, "<", 5]"#, "numeric range: empty range, no number is > 5 and < 5"),
        (#"[">=", 5, "<", 5]"#, "numeric range: empty range, no number is >= 5 and < 5"),
        (#"[">", 5, "<=", 5]"#, "numeric range: empty range, no number is > 5 and <= 5"),
        (#"[">", 0.5, "<=", -1.25]"#, "numeric range: empty range, no number is > 0.5 and <= -1.25"),
    ])
    func numeric(operand: String, message: String) throws {
        try Self.rejects(#"{"detail": {"amount": [{"numeric": \#(operand)}]}}"#, at: "detail.amount", message)
    }

    @Test(arguments: [
        (
            #"{"$or": {"a": ["x"]}}"#, "$or",
            #""$or" needs an array of at least 2 patterns, e.g. [{"a": ["x"]}, {"b": ["y"]}]; got object"#
        ),
        (#"{"$or": []}"#, "$or", #""$or" needs at least 2 alternative patterns, got 0; a single pattern needs no $or"#),
        (
            #"{"$or": [{"a": ["x"]}]}"#, "$or",
            #""$or" needs at least 2 alternative patterns, got 1; a single pattern needs no $or"#
        ),
        (
            #"{"detail": {"$or": [{"a": ["x"]}]}}"#, "detail.$or",
            #""$or" needs at least 2 alternative patterns, got 1; a single pattern needs no $or"#
        ),
        (
            #"{"$or": [{"a": ["x"]}, ["b"]]}"#, "$or[1]",
            #"each "$or" alternative must be a pattern object, got array"#
        ),
        (
            #"{"$or": [{"detail": {"state": [{"anything-but": null}]}}, {"b": ["y"]}]}"#, "$or[0].detail.state",
            #""anything-but" cannot take null; \#(anythingButHint)"#
        ),
        (
            #"{"x": {"$or": [{"a": ["x"]}, {"$or": [{"b": []}, {"c": ["z"]}]}]}}"#, "x.$or[1].$or[0].b",
            #"empty list of alternatives matches nothing; give at least one value or operator, e.g. ["a"] "#
                + #"or [{"exists": true}]"#
        ),
    ])
    func or(pattern: String, path: String, message: String) throws {
        try Self.rejects(pattern, at: path, message)
    }

    @Test func descriptionNamesThePath() {
        #expect(
            EventPatternError(path: "", message: "a pattern must be a JSON object").description
                == "a pattern must be a JSON object")
        #expect(
            EventPatternError(path: "detail.amount", message: #"numeric range: ">" needs a number"#).description
                == #"detail.amount: numeric range: ">" needs a number"#)
    }

    @Test func theFirstProblemInPatternOrderIsReported() throws {
        try Self.rejects(
            #"{"b": [{"prefix": 1}], "a": []}"#, at: "b", #""prefix" needs a string, got number 1"#)
    }

    @Test(arguments: [
        #"{"a": [{"numeric": [">=", 5, "<=", 5]}]}"#,
        #"{"a": [{"numeric": ["<", 10, ">", 0]}]}"#,
        #"{"a": [{"prefix": ""}]}"#,
        #"{"a": [{"anything-but": {"prefix": "x"}}, {"exists": false}]}"#,
        #"{"a": {}}"#,
        #"{"$or": [{}, {"a": ["x"]}]}"#,
        "{}",
    ])
    func acceptsEdgeCases(pattern: String) throws {
        _ = try compile(pattern)
    }
}
