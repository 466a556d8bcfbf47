import ArgumentParser

/// Measures how many QoS 1 messages a second move from one broker to another (through robot-server's relay, or
/// mosquitto's own bridge): `publish` sends numbered JSON messages to broker A and waits for every PUBACK;
/// `receive` counts them by sequence number on broker B. Method and numbers: BENCHMARKS.md, "Relay throughput".
@main
struct RelayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay-bench",
        abstract: "Benchmark a broker-to-broker relay at QoS 1 (prints numbers).",
        discussion: """
            Start `receive` on broker B first and wait for its "subscribed to" line, then run `publish` on broker A. \
            Both print a final `result key=value …` line for scripts (scripts/bench-relay.sh).
            """,
        subcommands: [Publish.self, Receive.self])
}
