import ArgumentParser
import Glibc
import Logging
import MQTT
import TestSupport

/// `fleet-bench load`: the operators' side of a fleet run. Connects a telemetry watcher and M viewers, checks that
/// every robot answers (calibration), then drives the fleet twice through robot-server's REST API — paced, as N
/// people driving at once, and as fast as it answers — and prints what each cost.
struct FleetLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Drive a running fleet through robot-server and report (prints numbers).")

    @Option(help: "robot-server's (or the load balancer's) IPv4 address.") var host = "127.0.0.1"
    @Option(help: "robot-server's (or the load balancer's) port.") var port: UInt16
    @Option(help: "Bearer token with the drive and view roles on every robot.") var token: String
    @Option(help: "The fleet's size: robots fleet-001 … fleet-N.") var robots: Int
    @Option(help: "The robot that is a real robotd process (calibration).") var realRobot = 1
    @Option(help: "Keep-alive HTTP connections.") var connections = 32
    @Option(help: "Seconds per measured phase.") var seconds = 10.0
    @Option(help: "Paced phase: drive commands a second per robot (a joystick held: the page sends ~10).")
    var rate = 10.0
    @Option(help: "Signaling viewers (viewer v watches robot v mod N).") var viewers = 20
    @Option(help: "Broker port (to watch +/telemetry).") var brokerPort = 8883
    @Option(help: "CA certificate.") var caFile: String
    @Option(help: "Client certificate (an identity that may read +/telemetry).") var certFile: String
    @Option(help: "Client key.") var keyFile: String
    @Option(help: "A process to measure, as name=pid (repeatable; one name may have several pids).")
    var watch: [String] = []
    @Option(help: "What this run is, for the RESULT lines (e.g. one-server, nginx-two).") var label = "one-server"

    func run() async throws {
        var logger = Logger(label: "fleet-bench")
        logger.logLevel = .warning
        let things = FleetNames.things(robots)
        let realThing = FleetNames.thing(realRobot, of: robots)
        let cost = try ProcessCost(watch + ["bench=\(getpid())"])
        let options = MQTTOptions(
            host: "localhost", port: brokerPort, clientID: "fleet-bench-\(getpid())", caFile: caFile,
            certFile: certFile, keyFile: keyFile, subscriptions: [.init("+/telemetry", qos: 0)])
        let tally = TelemetryTally(realThing: realThing)
        let client = try MQTTClient(options: options, logger: logger, gate: tally)
        let audience = FleetViewers(url: "ws://\(host):\(port)", token: token, things: things, count: viewers)
        client.start()
        async let consumed: Void = tally.consume(client.events)
        async let watched: Void = audience.run(logger: logger)
        defer { audience.finish() }
        try await waitUntil("the telemetry subscription", seconds: 10) { tally.isSubscribed }
        try await waitUntil("\(viewers) viewers' welcome", seconds: 20) {
            audience.welcomed == viewers || !audience.closes.isEmpty
        }
        guard audience.closes.isEmpty else {
            throw FleetBenchError("viewers refused: \(audience.closes.prefix(3).joined(separator: "; "))")
        }
        let load = RESTLoad(host: host, port: port, token: token, things: things, connections: connections)
        let report = FleetReport(
            label: label, robots: robots, connections: connections, cost: cost, tally: tally, audience: audience,
            memoryBefore: cost.residentMiB())
        report.header(realThing: realThing, viewers: viewers)

        try await calibrate(load, tally: tally, things: things)
        let idleStart = cost.sample()
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        report.idle(cpu: cost.percent(from: idleStart, to: cost.sample()), seconds: seconds)
        for (phase, pace) in [("p", rate as Double?), ("s", nil)] {
            let name = Character(phase)
            let before = cost.sample()
            let outcome = await load.run(phase: name, seconds: seconds, rate: pace.map { $0 * Double(robots) })
            let after = cost.sample()
            try? await Task.sleep(for: .milliseconds(500))  // the last commands' telemetry
            report.phase(name, pace: pace, outcome: outcome, cpu: cost.percent(from: before, to: after))
        }
        report.shapes()
        audience.finish()
        await client.disconnect()
        _ = await (consumed, watched)
    }

    /// One command to each robot; every robot must answer with its `command` telemetry within 5 s.
    private func calibrate(_ load: RESTLoad, tally: TelemetryTally, things: [String]) async throws {
        let started = ContinuousClock.now
        let outcome = await load.run(phase: "c", seconds: 30, rate: nil, limit: things.count)
        guard outcome.accepted == things.count else {
            throw FleetBenchError(
                "calibration: \(outcome.accepted) of \(things.count) commands accepted; refused \(outcome.refused), "
                    + "\(outcome.failures.first ?? "")")
        }
        do {
            try await waitUntil("every robot's command telemetry", seconds: 5) {
                tally.phase("c").perThing.count == things.count
            }
        } catch {
            let answered = tally.phase("c").perThing
            let silent = things.filter { answered[$0] == nil }
            throw FleetBenchError("calibration: no command telemetry from \(silent.prefix(10).joined(separator: ", "))")
        }
        let elapsed = ContinuousClock.now - started
        print("calibration: all \(things.count) robots answered one command each (\(elapsed.milliseconds) ms)")
        fflush(nil)
    }
}

/// Waits (every 20 ms) until `done`, or throws after `seconds`.
func waitUntil(_ what: String, seconds: Int, _ done: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !done() {
        guard ContinuousClock.now < deadline else { throw FleetBenchError("no \(what) within \(seconds) s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
