import EventPattern
import StrictJSON
import Testing

/// The ATM application of AWS's EventBridge getting-started tutorial ("Tutorial: Create a sample Amazon
/// EventBridge application", github.com/aws-samples/amazon-eventbridge-producer-consumer-example): its three
/// `transaction` events, its three rules, and further rules on the same events for the other operators.
@Suite struct ATMExampleTests {
    static func transaction(_ detail: String) -> String {
        #"{"version": "0", "source": "custom.myATMapp", "detail-type": "transaction", "detail": \#(detail)}"#
    }

    static let events = [
        transaction(
            #"""
            {"action": "withdrawal", "location": "MA-BOS-01", "amount": 300, "result": "approved",
             "transactionId": "123456", "cardPresent": true, "partnerBank": "Example Bank", "remainingFunds": 722.34}
            """#),
        transaction(
            #"""
            {"action": "withdrawal", "location": "NY-NYC-001", "amount": 20, "result": "approved",
             "transactionId": "123457", "cardPresent": true, "partnerBank": "Example Bank", "remainingFunds": 212.52}
            """#),
        transaction(
            #"""
            {"action": "withdrawal", "location": "NY-NYC-002", "amount": 60, "result": "denied",
             "transactionId": "123458", "cardPresent": true, "remainingFunds": 5.77}
            """#),
    ]

    /// Which of ``events`` (by index) `pattern` selects.
    static func selected(by pattern: String) throws -> [Int] {
        let compiled = try compile(pattern)
        return try events.indices.filter { compiled.matches(try JSONParser.parse(events[$0])) }
    }

    static let envelope = #""source": ["custom.myATMapp"], "detail-type": ["transaction"]"#

    @Test(arguments: [
        // The tutorial's three rules: approved transactions, New York locations, unapproved transactions.
        (#"{\#(envelope), "detail": {"result": ["approved"]}}"#, [0, 1]),
        (#"{\#(envelope), "detail": {"location": [{"prefix": "NY-"}]}}"#, [1, 2]),
        (#"{\#(envelope), "detail": {"result": [{"anything-but": "approved"}]}}"#, [2]),
        // Numeric matching on the amount.
        (#"{\#(envelope), "detail": {"amount": [{"numeric": [">=", 50, "<", 300]}]}}"#, [2]),
        (#"{\#(envelope), "detail": {"amount": [{"numeric": [">", 20, "<=", 300]}]}}"#, [0, 2]),
        (#"{\#(envelope), "detail": {"amount": [{"numeric": ["<", 100]}]}}"#, [1, 2]),
        (#"{\#(envelope), "detail": {"remainingFunds": [{"numeric": ["<", 10]}]}}"#, [2]),
        // Exists matching on the partner bank, which the denied transaction lacks.
        (#"{\#(envelope), "detail": {"partnerBank": [{"exists": true}]}}"#, [0, 1]),
        (#"{\#(envelope), "detail": {"partnerBank": [{"exists": false}]}}"#, [2]),
        // Anything-but on locations and amounts.
        (#"{\#(envelope), "detail": {"location": [{"anything-but": {"prefix": "NY-"}}]}}"#, [0]),
        (#"{\#(envelope), "detail": {"amount": [{"anything-but": [20, 60]}]}}"#, [0]),
        // Combinations: AND of keys, and $or.
        (#"{\#(envelope), "detail": {"result": ["approved"], "amount": [{"numeric": [">", 100]}]}}"#, [0]),
        (#"{\#(envelope), "detail": {"location": [{"prefix": "NY-"}], "partnerBank": [{"exists": true}]}}"#, [1]),
        (#"{\#(envelope), "detail": {"$or": [{"result": ["denied"]}, {"location": [{"prefix": "MA-"}]}]}}"#, [0, 2]),
        // A different source or detail type selects nothing.
        (#"{"source": ["custom.otherApp"], "detail": {"result": ["approved"]}}"#, []),
        (#"{"detail-type": ["refund"]}"#, []),
    ])
    func rule(pattern: String, expected: [Int]) throws {
        #expect(try Self.selected(by: pattern) == expected)
    }
}
