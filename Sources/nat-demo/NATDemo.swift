import ArgumentParser
import Foundation
import NetworkLab
import TestSupport

/// The NAT path on one machine: builds the two-NAT lab (docs/NAT.md), starts robot-server, mosquitto and coturn on
/// the "internet", robotd + robot-webrtc behind the home NAT and Chromium behind the office NAT, opens the drive
/// page and prints what the page saw: the candidate types of the selected pair, frames, fps, freezes, loss,
/// glass-to-glass and the relay's traffic. scripts/nat-demo.sh builds and runs it. Needs root.
@main
struct NATDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nat-demo",
        abstract: "Video from a robot behind one NAT to a browser behind another, through TURN (prints what it saw).",
        discussion: """
            Everything runs in network namespaces named rlab-<run>-<host>, removed at the end, on Ctrl-C too. \
            What each printed line means: docs/NAT.md (nat-demo).
            """)

    @Option(help: "How long to watch once the first frame is shown, in seconds.") var seconds = 20
    @Flag(help: "No TURN and no STUN server: shows the page saying that no route to the robot was found.")
    var noTurn = false
    @Flag(help: "Routers without NAT or filter: a direct path exists (for comparing with the relayed one).")
    var direct = false
    @Option(help: "netem options on both uplinks, both directions, e.g. \"delay 80ms 10ms loss 2% rate 2mbit\".")
    var netem: String?
    @Option(
        help: "Rate steps on both uplinks, RATE:SECONDS,…, e.g. \"4mbit:20,1mbit:20,4mbit:20\" (replaces --seconds).")
    var rateSchedule: String?
    @Option(
        name: .customLong("producer-args"), parsing: .unconditional,
        help: "More robot-webrtc options, one string (e.g. \"--no-adaptive-bitrate\").")
    var producerArgs = ""
    @Option(help: "Also write the results as JSON to this file.") var json: String?

    func validate() throws {
        guard seconds >= 1 else { throw ValidationError("--seconds must be at least 1") }
        if let rateSchedule { _ = try RateStep.parse(rateSchedule) }
    }

    func run() async throws {
        if let unavailable = NATTopology.availability {
            throw ValidationError("\(unavailable)")
        }
        do {
            try await withCancellationOnSignals { try await demo() }
        } catch is CancellationError {
            say("nat-demo: interrupted; everything is stopped and the namespaces are removed")
            throw ExitCode(130)
        }
    }

    private func demo() async throws {
        let steps = try rateSchedule.map(RateStep.parse)
        say("== starting the lab (turn: \(!noTurn), nat: \(!direct)) …")
        let stack = try await NATStack.start(
            turn: !noTurn, nat: !direct,
            producerArguments: producerArgs.split(whereSeparator: \.isWhitespace).map(String.init))
        do {
            say(topologySummary(stack))
            let session = DemoSession(stack: stack, netem: netem)
            let result = try await session.run(seconds: seconds, steps: steps)
            await stack.stop()
            let report = DemoReport(result: result, turn: !noTurn, nat: !direct, netem: netem)
            report.lines.forEach(say)
            if let json {
                try Data(report.json.serializedString().utf8).write(to: URL(filePath: json))
                say("result file: \(json)")
            }
        } catch {
            await stack.stop()
            throw error
        }
    }

    private func topologySummary(_ stack: NATStack) -> String {
        let topology = stack.topology
        return """
            == topology (namespaces rlab-\(topology.run)-*)
            inet   203.0.113.10 (\(topology.namespace(.inet))): robot-server :\(NATStack.serverPort), mosquitto \
            :\(NATStack.mqttPort) (TLS)\(stack.coturn.map { ", coturn :\($0.port) (udp+tcp)" } ?? ", no coturn")
            home   192.168.10.2 behind hrt 198.51.100.2 (\(direct ? "routed, no NAT" : "NAT, random ports")): robotd + \
            robot-webrtc
            office 192.168.20.2 behind ort 198.51.100.6 (\(direct ? "routed, no NAT" : "NAT, random ports")): \
            Chromium
            page   \(stack.pageURL.replacingOccurrences(of: RobotServerProcess.homeToken, with: "…"))
            producer: \(stack.producerCommand.joined(separator: " "))
            """
    }
}

/// Prints a line and flushes it at once, so that the progress shows also through a pipe or in a file.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
