import JSONConfig
@testable import Relay
import RelayQueue
import StrictJSON

/// Configs and queue rows for the relay's pure parts: no broker, no sockets.
enum Fixtures {
    /// Two brokers (`a` with a client-id level, `b`) and an SQS account; `b` and `q` grant `a` everything.
    static let accounts = #"""
        {"a":{"accountId":"111","clientIdTopicLevel":2,
              "mqtt":{"endpoint":"a.local","caFile":"/dev/null","certFile":"/dev/null","keyFile":"/dev/null","maxInflight":50}},
         "b":{"accountId":"222","grants":[{"from":"a","topics":["#"]}],
              "mqtt":{"endpoint":"b.local","caFile":"/dev/null","certFile":"/dev/null","keyFile":"/dev/null"}},
         "q":{"accountId":"333","grants":[{"from":"a","queues":["in"]}],
              "sqs":{"region":"eu-west-1","endpoint":"http://sqs.local/","accessKeyId":"k","secretAccessKey":"s","concurrency":3}}}
        """#

    /// The `relay` section with these rules (a JSON array's elements).
    static func config(rules: String) throws -> RelayConfig {
        guard let section = try JSONParser.parse(#"{"accounts":\#(accounts),"rules":[\#(rules)]}"#).objectValue else {
            throw ConfigError("relay", "not an object")
        }
        var unknown: [String] = []
        return try RelayConfig.parse(ConfigReader(section, path: "relay"), directory: "/tmp", unknown: &unknown)
    }

    static func plan(rules: String) throws -> RelayPlan {
        try RelayPlan(try config(rules: rules))
    }

    /// Queue rows of rule `r`, target `0`, with these seqs.
    static func rows(_ seqs: ClosedRange<Int64>, attempts: Int = 0) -> [QueuedDelivery] {
        seqs.map { row($0, attempts: attempts) }
    }

    static func row(_ seq: Int64, attempts: Int = 0) -> QueuedDelivery {
        QueuedDelivery(
            seq: seq,
            delivery: NewDelivery(
                messageID: "m\(seq)", rule: "r", target: "0", topic: "in/dev-1",
                payload: Array(#"{"n":\#(seq)}"#.utf8), receivedAt: 1_700_000_000_000, attempts: attempts))
    }
}
