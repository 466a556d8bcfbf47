import Glibc
import TestSupport

/// What a fleet run prints: a readable block per phase, and one `RESULT` line per phase for the script's table.
struct FleetReport {
    let label: String
    let robots: Int
    let connections: Int
    let cost: ProcessCost
    let tally: TelemetryTally
    let audience: FleetViewers
    /// RSS per name before calibration (the processes run, the robots are connected, nothing was driven yet).
    let memoryBefore: [String: Double]

    func header(realThing: String, viewers: Int) {
        print(
            "fleet: \(robots) robots (\(realThing) a real robotd, the rest simulated), \(viewers) signaling viewers, "
                + "\(connections) HTTP connections; watching \(cost.names.joined(separator: ", "))")
        print(
            "RSS before the runs: "
                + cost.names.map { "\($0) \(fixed(memoryBefore[$0] ?? 0, 1)) MiB" }.joined(separator: ", "))
        fflush(nil)
    }

    /// Nothing driven: the robots' heartbeats and the viewers' sockets only.
    func idle(cpu: [String: Double], seconds: Double) {
        print()
        print("== idle: \(robots) robots connected (heartbeats), viewers watching, no commands, \(fixed(seconds, 1)) s")
        print("  CPU, % of one core: " + cost.names.map { "\($0) \(fixed(cpu[$0] ?? 0, 1))" }.joined(separator: ", "))
        print(
            "RESULT label=\(label) robots=\(robots) phase=idle rps=0 p50_ms=- p99_ms=- unseen=- viewer_frames=- "
                + "viewer_p99_ms=- server_cpu=\(fixed(sum(cpu, prefix: "robot-server"), 1)) "
                + "server_rss_mib=\(fixed(sum(cost.residentMiB(), prefix: "robot-server"), 1)) "
                + "server_us_per_request=- server_rss_growth_kib_per_robot=- broker_cpu=\(fixed(cpu["mosquitto"] ?? 0, 1)) "
                + "fleet_cpu=\(fixed(cpu["fleet"] ?? 0, 1)) nginx_cpu=\(fixed(cpu["nginx"] ?? 0, 1)) "
                + "bench_cpu=\(fixed(cpu["bench"] ?? 0, 1))")
        fflush(nil)
    }

    func phase(_ name: Character, pace: Double?, outcome: RESTLoad.Outcome, cpu: [String: Double]) {
        let seconds = max(outcome.seconds, 0.001)
        let throughput = Double(outcome.accepted) / seconds
        print()
        if let pace {
            print(
                "== paced: \(fixed(pace, 0)) commands/s per robot (\(fixed(pace * Double(robots), 0))/s in all), "
                    + "\(fixed(seconds, 1)) s")
        } else {
            print("== as fast as it answers: \(connections) connections, \(fixed(seconds, 1)) s")
        }
        let refused =
            outcome.refused.isEmpty ? "none" : outcome.refused.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        print(
            "  \(outcome.accepted) accepted (\(fixed(throughput, 0))/s), other answers: \(refused), "
                + "reconnects \(outcome.reconnects)"
                + (outcome.failures.isEmpty ? "" : ", failures: \(outcome.failures[0])"))
        let telemetry = tally.phase(name)
        print("  HTTP → 202 (after the broker's PUBACK): \(spread(outcome.roundTrips))")
        print("  HTTP → motor call (the command telemetry's ts): \(spread(telemetry.toMotor))")
        print("    of which the real robotd's \(telemetry.realToMotor.count): \(spread(telemetry.realToMotor))")
        print("  HTTP → command telemetry at the bench: \(spread(telemetry.toWatcher))")
        print(
            "  command telemetry seen by the bench's watcher: \(telemetry.toMotor.count) of \(outcome.accepted) accepted "
                + "(the broker drops QoS 0 messages for a subscriber that falls 1000 behind)")
        let expected = audience.watched.reduce(0) { $0 + (outcome.acceptedPerThing[$1] ?? 0) }
        let frames = audience.phase(name)
        print(
            "  viewers: \(frames.frames) telemetry frames of \(expected) (their robots' accepted commands); "
                + "robot ts → viewer: \(spread(frames.delays))")
        let memory = cost.residentMiB()
        print(
            "  CPU, % of one core: "
                + cost.names.map { "\($0) \(fixed(cpu[$0] ?? 0, 1))" }.joined(separator: ", "))
        print("  RSS: " + cost.names.map { "\($0) \(fixed(memory[$0] ?? 0, 1)) MiB" }.joined(separator: ", "))
        let server = sum(cpu, prefix: "robot-server")
        let serverMemory = sum(memory, prefix: "robot-server")
        let serverGrowth = serverMemory - sum(memoryBefore, prefix: "robot-server")
        let toMotor = telemetry.toMotor.sorted()
        print(
            "RESULT label=\(label) robots=\(robots) phase=\(name == "p" ? "paced" : "max") "
                + "rps=\(fixed(throughput, 0)) p50_ms=\(fixed(toMotor.percentile(0.5) / 1000, 2)) "
                + "p99_ms=\(fixed(toMotor.percentile(0.99) / 1000, 2)) "
                + "unseen=\(outcome.accepted - telemetry.toMotor.count) "
                + "viewer_frames=\(frames.frames)/\(expected) "
                + "viewer_p99_ms=\(fixed(frames.delays.sorted().percentile(0.99) / 1000, 2)) "
                + "server_cpu=\(fixed(server, 1)) server_us_per_request=\(fixed(server * 1e4 / max(throughput, 1), 0)) "
                + "server_rss_mib=\(fixed(serverMemory, 1)) "
                + "server_rss_growth_kib_per_robot=\(fixed(serverGrowth * 1024 / Double(robots), 1)) "
                + "broker_cpu=\(fixed(cpu["mosquitto"] ?? 0, 1)) fleet_cpu=\(fixed(cpu["fleet"] ?? 0, 1)) "
                + "nginx_cpu=\(fixed(cpu["nginx"] ?? 0, 1)) bench_cpu=\(fixed(cpu["bench"] ?? 0, 1))")
        fflush(nil)
    }

    /// Whether the simulated robots' telemetry has the real robotd's keys, event by event.
    func shapes() {
        print()
        print("telemetry shape, the simulated robots against the real robotd (keys in order):")
        for (event, real, simulated) in tally.shapes() {
            let verdict =
                simulated == nil
                ? "not seen from a simulated robot" : simulated == real ? "same ✓" : "DIFFERENT ✗: \(simulated!)"
            print("  \(event): \(real.joined(separator: ",")) — \(verdict)")
        }
    }

    private func sum(_ values: [String: Double], prefix: String) -> Double {
        values.filter { $0.key.hasPrefix(prefix) }.values.reduce(0, +)
    }

    /// `p50 0.42 ms, p99 1.10 ms, max 3.00 ms (n)` from µs.
    private func spread(_ micros: [Double]) -> String {
        guard !micros.isEmpty else { return "none" }
        let sorted = micros.sorted()
        return "p50 \(fixed(sorted.percentile(0.5) / 1000, 2)) ms, p99 \(fixed(sorted.percentile(0.99) / 1000, 2)) ms, "
            + "max \(fixed(sorted.last! / 1000, 2)) ms (\(sorted.count))"
    }
}

/// `value` with `decimals` digits after the point.
func fixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "n/a" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((abs(value) * scale).rounded())
    let whole = scaled / Int64(scale)
    let fraction = String(scaled % Int64(scale))
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard decimals > 0 else { return "\(sign)\(whole)" }
    return "\(sign)\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
}
