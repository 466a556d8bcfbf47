import ArgumentParser
import Foundation
import Logging
import MQTT

/// Measures robotd's drive path on a real broker: command latency, a 50 Hz stream, start-up time and memory.
///
/// Latency is *publish → motor driver call*: the bench stamps each command's `id` with its wall-clock send
/// time; robotd stamps the `command` telemetry's `ts` right after the driver call returned. Both read
/// CLOCK_REALTIME on the same machine, so the difference is the one-way latency through the broker,
/// robotd's TLS read, parsing, the controller and the driver — without the telemetry's trip back.
@main
struct DriveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drive-bench", abstract: "Benchmark robotd's drive path over MQTT/TLS (prints numbers).")

    @Option(help: "Broker host.") var host = "localhost"
    @Option(help: "Broker port.") var port = 8883
    @Option(help: "CA certificate.") var caFile: String
    @Option(help: "Client certificate (an identity that may write +/action and read +/telemetry).") var certFile: String
    @Option(help: "Client key.") var keyFile: String
    @Option(help: "Thing name.") var thing = "sts-pi"
    @Option(help: "Commands for the latency run.") var count = 2000
    @Option(help: "Stream rate in Hz.") var rate = 50
    @Option(help: "Stream length in seconds.") var seconds = 10
    @Option(help: "durationMs of streamed commands.") var durationMs = 200
    @Option(help: "robotd binary to start (measures start → subscribed and RSS); omit to use a running robotd.")
    var robotd: String?
    @Option(help: "robotd config (with --robotd).") var robotdConfig: String?

    func run() async throws {
        var logger = Logger(label: "drive-bench")
        logger.logLevel = .warning
        let options = MQTTOptions(
            host: host, port: port, clientID: "drive-bench-\(getpid())", caFile: caFile, certFile: certFile,
            keyFile: keyFile, subscriptions: [.init("\(thing)/telemetry", qos: 0)])
        let client = try MQTTClient(options: options, logger: logger)
        let probe = TelemetryProbe(client: client, thing: thing)
        client.start()
        try await probe.waitUntilSubscribed()

        var daemon: Process?
        if let robotd {
            daemon = try await startRobotd(robotd, probe: probe)
        }
        defer { daemon?.terminate() }

        try await measureLatency(probe)
        try await measureStream(probe)
        if let daemon {
            try await Task.sleep(for: .seconds(2))
            let rss = try residentSetKiB(pid: daemon.processIdentifier)
            print("robotd RSS idle-connected: \(rss) KiB (\(String(format: "%.1f", Double(rss) / 1024)) MiB, VmRSS from /proc/\(daemon.processIdentifier)/status after 2 s idle)")
        }
        await client.disconnect()
    }

    private func startRobotd(_ path: String, probe: TelemetryProbe) async throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["run", "--config", robotdConfig ?? "config.json", "--log-level", "warning"]
        let started = ContinuousClock.now
        try process.run()
        try await probe.waitFor(timeout: .seconds(10)) { $0.event == "online" }
        let elapsed = ContinuousClock.now - started
        print("start → subscribed: \(format(elapsed)) (process spawn until its `online` telemetry arrived)")
        return process
    }

    private func measureLatency(_ probe: TelemetryProbe) async throws {
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        for index in 0..<count {
            let action = index % 2 == 0 ? "forward" : "backwards"
            let sent = wallClockMicroseconds()
            let id = "L\(index)-\(sent)"
            try probe.client.publish(
                topic: "\(thing)/action", payload: Array(#"{"action":"\#(action)","durationMs":5000,"id":"\#(id)"}"#.utf8))
            let telemetry = try await probe.waitFor(timeout: .seconds(5)) { $0.id == id && $0.event == "command" }
            latencies.append(Double(telemetry.timestampMicroseconds - sent))
        }
        try probe.client.publish(topic: "\(thing)/action", payload: Array(#"{"action":"stop"}"#.utf8))
        let sorted = latencies.sorted()
        print(
            "publish → motor driver call over \(count) commands (one at a time): p50 \(µs(sorted.percentile(0.5))), "
                + "p99 \(µs(sorted.percentile(0.99))), max \(µs(sorted.last ?? 0))")
    }

    private func measureStream(_ probe: TelemetryProbe) async throws {
        try await Task.sleep(for: .milliseconds(300))
        probe.reset()
        let total = rate * seconds
        let period = Duration.seconds(1) / rate
        var sent: [String: Int64] = [:]
        let clock = ContinuousClock()
        var next = clock.now
        for index in 0..<total {
            let id = "S\(index)"
            sent[id] = wallClockMicroseconds()
            try probe.client.publish(
                topic: "\(thing)/action", payload: Array(#"{"action":"forward","durationMs":\#(durationMs),"id":"\#(id)"}"#.utf8))
            next = next + period
            try await clock.sleep(until: next)
        }
        let releasedAt = wallClockMicroseconds()
        let lastID = "S\(total - 1)"
        let stopped = try await probe.waitFor(timeout: .seconds(10)) { $0.event == "stopped" && $0.reason == "deadline" }
        let events = probe.received()
        let commands = events.filter { $0.event == "command" }
        let lags = commands.compactMap { event in event.id.flatMap { sent[$0] }.map { Double(event.timestampMicroseconds - $0) } }.sorted()
        let afterRelease = commands.filter { $0.timestampMicroseconds > releasedAt }.count
        let motionAfterRelease = Double(stopped.timestampMicroseconds - releasedAt) / 1000
        print(
            "\(rate) Hz stream for \(seconds) s: \(commands.count)/\(total) commands applied, lag p50 \(µs(lags.percentile(0.5))), "
                + "p99 \(µs(lags.percentile(0.99))), max \(µs(lags.last ?? 0)); applied after release: \(afterRelease) (backlog); "
                + "last applied id \(commands.last?.id ?? "none") (expected \(lastID)); motion after release: "
                + String(format: "%.1f ms", motionAfterRelease) + " (durationMs \(durationMs))")
    }
}

func wallClockMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}

func µs(_ value: Double) -> String { String(format: "%.1f µs", value) }

func format(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    return String(format: "%.1f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
}

func residentSetKiB(pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}

extension Array where Element == Double {
    func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return .nan }
        return self[Swift.min(count - 1, Int((Double(count - 1) * p).rounded()))]
    }
}
