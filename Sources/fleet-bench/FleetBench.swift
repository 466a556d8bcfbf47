import ArgumentParser

/// A fleet of robots against robot-server (`scripts/bench-fleet.sh` runs both halves; `BENCHMARKS.md`, "Fleet").
///
/// `robots` is the fleet: robotd's own drive service once per robot, in one process. `load` is the operators:
/// REST publish spread over the fleet, the telemetry watched on the broker and through WebSocket viewers, and the
/// CPU and memory of the processes it is told about.
@main
struct FleetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-bench",
        abstract: "Benchmark robot-server with a fleet of simulated robots (prints numbers).",
        subcommands: [FleetRobots.self, FleetLoad.self])
}

/// The fleet's thing names: `fleet-001` … (four digits from 1000 robots on), so they sort as they are numbered.
enum FleetNames {
    static func thing(_ number: Int, of count: Int) -> String {
        let digits = max(3, String(count).count)
        let text = String(number)
        return "fleet-" + String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    static func things(_ count: Int) -> [String] {
        (1...max(1, count)).map { thing($0, of: count) }
    }
}
