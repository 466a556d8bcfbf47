import ArgumentParser
import Basics
import Glibc
import Logging
import MQTT
import SystemPackage

/// Measures robotd's drive path on a real broker: command latency, a 50 Hz stream, start-up time and memory.
///
/// Latency is *publish → motor driver call*: the bench stamps each command's `id` with its wall-clock send
/// time (CLOCK_REALTIME, µs) taken right before the publish; robotd stamps the `command` telemetry's `ts`
/// right after the driver call returned. Both read CLOCK_REALTIME on the same machine, so the difference is the
/// one-way latency through the sending client's hand-off to its network thread, the broker, robotd's TLS read,
/// parsing, the controller and the driver — without the telemetry's trip back and without the bench's own
/// wake-up on it (both only show in the round trip). Method and numbers: BENCHMARKS.md.
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
    @Option(help: "Commands for the latency run (one at a time, each waits for its telemetry).") var count = 2000
    @Option(help: "Commands sent before the latency run and not counted.") var warmup = 20
    @Option(help: "Stream rate in Hz.") var rate = 50
    @Option(help: "Stream length in seconds.") var seconds = 10
    @Option(help: "durationMs of streamed commands.") var durationMs = 200
    @Option(help: "Idle seconds before each RSS reading.") var idleSeconds = 2
    @Option(help: "robotd binary to start (measures start → subscribed, RSS and CPU); omit to use a running robotd.")
    var robotd: String?
    @Option(help: "robotd config (with --robotd).") var robotdConfig: String?
    @Option(help: "robotd's --log-level (with --robotd). Below warning, the simulated driver logs every change.")
    var robotdLogLevel = "warning"
    @Option(help: "File for robotd's stdout and stderr (with --robotd); default: inherit.") var robotdLog: String?
    @Option(help: "The broker's PID, to report its CPU time.") var brokerPID: Int32?
    @Option(help: "Also write the results as key=value lines to this file.") var summary: String?
    @Option(help: "Emergency stops to time (over MQTT, and REST with --rest-url); 0 skips them.")
    var estopSamples = 0
    @Option(help: "robot-server's base URL (http://127.0.0.1:PORT) for the REST emergency stops.") var restURL: String?
    @Option(help: "A token that may drive the thing on robot-server (with --rest-url).") var restToken: String?
    @Flag(
        help: "Only the safety runs: the ramp (from robotd's log; needs --robotd, --robotd-log and --robotd-log-level info) and the emergency stops.")
    var safetyOnly = false
    @Flag(
        name: .customLong("keep-cpus-awake"),
        help: "Diagnostic: spin one SCHED_IDLE thread per CPU so that no CPU sleeps (shows the cost of CPU wake-ups).")
    var keepCPUsAwake = false

    func run() async throws {
        var logger = Logger(label: "drive-bench")
        logger.logLevel = .warning
        let options = MQTTOptions(
            host: host, port: port, clientID: "drive-bench-\(getpid())", caFile: caFile, certFile: certFile,
            keyFile: keyFile, subscriptions: [.init("\(thing)/telemetry", qos: 0)])
        let client = try MQTTClient(options: options, logger: logger)
        let probe = TelemetryProbe(client: client)
        client.start()
        let subscription = try await probe.waitFor(timeout: .seconds(10), "subscription to \(thing)/telemetry") {
            $0.kind == .subscribed || $0.kind == .subscriptionRefused
        }
        guard subscription.kind == .subscribed else {
            throw ValidationError("the broker refused \(thing)/telemetry to \(certFile)")
        }

        var results = Results()
        let warmers = keepCPUsAwake ? CPUWarmers(count: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) : nil
        defer { warmers?.stop() }
        if warmers != nil {
            say("keeping the CPUs awake: one SCHED_IDLE spinning thread per CPU (not counted in drive-bench's CPU)")
            results["keep_cpus_awake"] = "yes"
        }
        var daemon: ChildDaemon?
        do {
            if let robotd {
                daemon = try await startRobotd(robotd, probe: probe, results: &results)
            }
            if safetyOnly {
                try await measureSafety(probe, results: &results)
                daemon?.terminate()
                await client.disconnect()
                if let summary { try results.write(to: summary) }
                return
            }
            let meter = CPUMeter(robotd: daemon?.pid, broker: brokerPID, warmers: warmers)
            try await measureLatency(probe, results: &results)
            results.cpu(meter.report("latency run", commands: warmup + count + 1), prefix: "latency")
            let streamMeter = CPUMeter(robotd: daemon?.pid, broker: brokerPID, warmers: warmers)
            try await measureStream(probe, results: &results)
            results.cpu(streamMeter.report("stream", commands: rate * seconds), prefix: "stream")
            if let daemon {
                try await Task.sleep(for: .seconds(idleSeconds))
                measureMemory(daemon, label: "after the runs, \(idleSeconds) s idle", key: "rss_after", results: &results)
                printMappings(pid: daemon.pid)
                try await stopRobotd(daemon, probe: probe, results: &results)
            }
        } catch {
            daemon?.terminate()
            throw error
        }
        await client.disconnect()
        if let summary {
            try results.write(to: summary)
        }
    }

    // MARK: start and stop

    private func startRobotd(_ path: String, probe: TelemetryProbe, results: inout Results) async throws -> ChildDaemon {
        let arguments = ["run", "--config", robotdConfig ?? "config.json", "--log-level", robotdLogLevel]
        let spawned = wallClockMicroseconds()
        let daemon = try ChildDaemon(path: path, arguments: arguments, logPath: robotdLog)
        let online: ProbeEvent
        do {
            online = try await probe.waitFor(timeout: .seconds(10), "`online` telemetry from robotd") {
                $0.isTelemetry("online")
            }
        } catch {
            let exited = daemon.hasExited ? " (robotd \(ChildDaemon.describe(daemon.exitStatus ?? 0)))" : ""
            throw ValidationError("\(error)\(exited); see \(robotdLog ?? "its output above")")
        }
        let subscribed = Double(online.timestampMicroseconds - spawned) / 1000
        let arrived = Double(online.receivedMicroseconds - spawned) / 1000
        say(
            "start → subscribed: \(fixed(subscribed)) ms (spawn → the `ts` of robotd's `online` event, sent on SUBACK); "
                + "\(fixed(arrived)) ms until the bench had it")
        results["start_subscribed_ms"] = fixed(subscribed)
        results["start_online_received_ms"] = fixed(arrived)
        try await Task.sleep(for: .seconds(idleSeconds))
        measureMemory(daemon, label: "connected, \(idleSeconds) s idle, before any command", key: "rss_start", results: &results)
        return daemon
    }

    private func stopRobotd(_ daemon: ChildDaemon, probe: TelemetryProbe, results: inout Results) async throws {
        let took = daemon.terminate()
        let offline = try? await probe.waitFor(timeout: .seconds(2), "`offline` telemetry") { $0.isTelemetry("offline") }
        let status = daemon.exitStatus.map(ChildDaemon.describe) ?? "still running"
        say(
            "SIGTERM → exit: \(format(took)), robotd \(status); `offline` telemetry: "
                + (offline.map { "reason \($0.reason ?? "none")" } ?? "not seen"))
        results["shutdown_ms"] = fixed(took.milliseconds)
        results["exit_status"] = status.replacingSpaces()
    }

    // MARK: latency

    private func measureLatency(_ probe: TelemetryProbe, results: inout Results) async throws {
        let topic = "\(thing)/action"
        var oneWay: [Double] = []
        var roundTrip: [Double] = []
        oneWay.reserveCapacity(count)
        roundTrip.reserveCapacity(count)
        for index in 0..<(warmup + count) {
            // Alternate so that every command changes the motors (the simulated driver ignores a repeated value).
            let action = index % 2 == 0 ? "forward" : "backwards"
            let sent = wallClockMicroseconds()
            let id = "L\(index)-\(sent)"
            try probe.client.publish(
                topic: topic, payload: Array(#"{"action":"\#(action)","durationMs":5000,"id":"\#(id)"}"#.utf8))
            let telemetry = try await probe.waitFor(timeout: .seconds(5), "`command` telemetry for \(id)") {
                $0.isTelemetry("command", id: id)
            }
            if index >= warmup {
                oneWay.append(Double(telemetry.timestampMicroseconds - sent))
                roundTrip.append(Double(telemetry.receivedMicroseconds - sent))
            }
        }
        try probe.client.publish(topic: topic, payload: Array(#"{"action":"stop","id":"L-stop"}"#.utf8))
        try await probe.waitFor(timeout: .seconds(5), "`stopped` telemetry for the stop") {
            $0.isTelemetry("stopped", id: "L-stop", reason: "stop")
        }
        oneWay.sort()
        roundTrip.sort()
        say(
            "publish → motor driver call, \(count) commands one at a time (after \(warmup) not counted): "
                + "p50 \(fixed(oneWay.percentile(0.5))) µs, p99 \(fixed(oneWay.percentile(0.99))) µs, "
                + "max \(fixed(oneWay.last ?? .nan)) µs; mean \(fixed(oneWay.mean)) µs")
        say(
            "  round trip (publish → `command` telemetry back at the bench): p50 \(fixed(roundTrip.percentile(0.5))) µs, "
                + "p99 \(fixed(roundTrip.percentile(0.99))) µs")
        results["latency_p50_us"] = fixed(oneWay.percentile(0.5))
        results["latency_p99_us"] = fixed(oneWay.percentile(0.99))
        results["latency_max_us"] = fixed(oneWay.last ?? .nan)
        results["roundtrip_p50_us"] = fixed(roundTrip.percentile(0.5))
    }

    // MARK: stream

    private func measureStream(_ probe: TelemetryProbe, results: inout Results) async throws {
        let topic = "\(thing)/action"
        let total = rate * seconds
        let period = Duration.seconds(1) / rate
        let mark = probe.mark()
        var sentAt = [Int64](repeating: 0, count: total)
        let clock = ContinuousClock()
        var next = clock.now
        var previous: ContinuousClock.Instant?
        var widestGap = Duration.zero
        for index in 0..<total {
            let payload = Array(#"{"action":"forward","durationMs":\#(durationMs),"id":"S\#(index)"}"#.utf8)
            let now = clock.now
            if let previous { widestGap = max(widestGap, now - previous) }
            previous = now
            sentAt[index] = wallClockMicroseconds()
            try probe.client.publish(topic: topic, payload: payload)
            if index < total - 1 {
                next = next + period
                try await clock.sleep(until: next, tolerance: .zero)
            }
        }
        let lastID = "S\(total - 1)"
        let lastSent = sentAt[total - 1]
        let lastApplied = try await probe.waitFor(timeout: .seconds(10), "`command` telemetry for \(lastID)") {
            $0.isTelemetry("command", id: lastID)
        }
        let stopped = try await probe.waitFor(timeout: .milliseconds(durationMs) + .seconds(10), "deadline stop") {
            $0.isTelemetry("stopped", reason: "deadline")
        }

        let events = probe.events(since: mark)
        let commands = events.filter { $0.isTelemetry("command") && ($0.id?.hasPrefix("S") ?? false) }
        var lags: [Double] = []
        var seen = Set<Int>()
        for command in commands {
            guard let index = command.id.flatMap({ Int($0.dropFirst()) }), sentAt.indices.contains(index) else { continue }
            seen.insert(index)
            lags.append(Double(command.timestampMicroseconds - sentAt[index]))
        }
        lags.sort()
        // Applied after the last command was sent, other than the last one itself: commands robotd was still
        // working through when the user let go.
        let backlog = commands.filter { $0.timestampMicroseconds > lastSent && $0.id != lastID }.count
        // Motion stopping while commands still streamed in (a gap in the stream longer than durationMs).
        let earlyStops = events.filter {
            $0.isTelemetry("stopped") && $0.timestampMicroseconds < lastApplied.timestampMicroseconds
        }.count
        let motion = Double(stopped.timestampMicroseconds - lastSent) / 1000
        say(
            "\(rate) Hz stream for \(seconds) s (durationMs \(durationMs)): \(seen.count)/\(total) commands applied, "
                + "lag p50 \(fixed(lags.percentile(0.5))) µs, p99 \(fixed(lags.percentile(0.99))) µs, "
                + "max \(fixed(lags.last ?? .nan)) µs")
        say(
            "  backlog (applied after the last command was sent, other than the last): \(backlog); last applied "
                + "\(commands.last?.id ?? "none") (expected \(lastID)); stops during the stream: \(earlyStops); "
                + "widest gap between sends: \(format(widestGap)) (period \(format(period)))")
        say(
            "  motion after release (last send → `stopped` deadline `ts`): \(fixed(motion)) ms "
                + "= durationMs + \(fixed(motion - Double(durationMs))) ms")
        results["stream_applied"] = "\(seen.count)/\(total)"
        results["stream_lag_p50_us"] = fixed(lags.percentile(0.5))
        results["stream_lag_p99_us"] = fixed(lags.percentile(0.99))
        results["stream_lag_max_us"] = fixed(lags.last ?? .nan)
        results["stream_backlog"] = "\(backlog)"
        results["stream_early_stops"] = "\(earlyStops)"
        results["motion_after_release_ms"] = fixed(motion)
    }

    // MARK: memory

    private func measureMemory(_ daemon: ChildDaemon, label: String, key: String, results: inout Results) {
        let pid = daemon.pid
        guard let rss = ProcStats.statusKiB(pid: pid, "VmRSS") else {
            say("robotd RSS (\(label)): unavailable")
            return
        }
        let anon = ProcStats.statusKiB(pid: pid, "RssAnon") ?? -1
        let file = ProcStats.statusKiB(pid: pid, "RssFile") ?? -1
        let threads = readTextFile("/proc/\(pid)/status")?.split(separator: "\n")
            .first { $0.hasPrefix("Threads:") }?.split(separator: "\t").last.map(String.init) ?? "?"
        say(
            "robotd RSS (\(label)): \(rss) KiB = \(fixed(Double(rss) / 1024)) MiB "
                + "(anonymous \(anon) KiB, file-backed \(file) KiB; \(threads) threads)")
        results[key + "_kib"] = "\(rss)"
        results[key + "_anon_kib"] = "\(anon)"
        results[key + "_file_kib"] = "\(file)"
    }

    private func printMappings(pid: pid_t) {
        let mappings = ProcStats.residentByMapping(pid: pid)
        guard !mappings.isEmpty else { return }
        say("  resident by mapping (/proc/\(pid)/smaps, KiB: Rss / dirty / anonymous):")
        for mapping in mappings.prefix(14) {
            say("    \(pad(mapping.rssKiB, 6)) / \(pad(mapping.dirtyKiB, 6)) / \(pad(mapping.anonymousKiB, 6))  \(mapping.name)")
        }
        let rest = mappings.dropFirst(14).reduce(0) { $0 + $1.rssKiB }
        if rest > 0 { say("    \(pad(rest, 6))                    \(mappings.count - 14) more") }
    }
}

/// CPU time that robotd, the broker, the bench and everything else on the machine used during one phase.
struct CPUMeter {
    let robotd: pid_t?
    let broker: pid_t?
    let warmers: CPUWarmers?
    let started: (robotd: Int64?, broker: Int64?, bench: Int64, machine: Int64?)
    let clock = ContinuousClock()
    let startedAt: ContinuousClock.Instant
    let startedWarmers: Int64

    init(robotd: pid_t?, broker: pid_t?, warmers: CPUWarmers?) {
        self.robotd = robotd
        self.broker = broker
        self.warmers = warmers
        started = (
            robotd.flatMap(ProcStats.cpuMicroseconds), broker.flatMap(ProcStats.cpuMicroseconds),
            Self.benchCPU(warmers), ProcStats.machineBusyMicroseconds()?.busy
        )
        startedWarmers = warmers?.cpuMicroseconds ?? 0
        startedAt = clock.now
    }

    /// The bench's CPU time without the spinners of `--keep-cpus-awake`.
    private static func benchCPU(_ warmers: CPUWarmers?) -> Int64 {
        ProcStats.ownCPUMicroseconds() - (warmers?.cpuMicroseconds ?? 0)
    }

    /// Prints the CPU use since `init` and returns it (µs) per process name.
    func report(_ phase: String, commands: Int) -> [String: Double] {
        var parts: [String] = []
        var values: [String: Double] = [:]
        func add(_ name: String, _ start: Int64?, _ end: Int64?) {
            guard let start, let end else { return }
            let micros = Double(end - start)
            values[name] = micros
            parts.append("\(name) \(fixed(micros / 1000, 0)) ms (\(fixed(micros / Double(max(commands, 1)), 0)) µs/command)")
        }
        add("robotd", started.robotd, robotd.flatMap(ProcStats.cpuMicroseconds))
        add("mosquitto", started.broker, broker.flatMap(ProcStats.cpuMicroseconds))
        add("drive-bench", started.bench, Self.benchCPU(warmers))
        say("  CPU during the \(phase): " + parts.joined(separator: ", "))
        let spinners = Double((warmers?.cpuMicroseconds ?? 0) - startedWarmers)
        if let before = started.machine, let (after, cpus) = ProcStats.machineBusyMicroseconds() {
            // Everything else: other processes (a compiler next door) and the kernel. Tick resolution (10 ms).
            let others = max(0, Double(after - before) - values.values.reduce(0, +) - spinners)
            let capacity = (clock.now - startedAt).milliseconds * 1000 * Double(cpus)
            values["others"] = others
            say(
                "  CPU used by everything else on the machine: \(fixed(others / 1000, 0)) ms "
                    + "= \(fixed(100 * others / max(capacity, 1), 0)) % of \(cpus) CPUs"
                    + (others > 0.1 * capacity ? " — a busy machine: expect noisy numbers" : ""))
        }
        return values
    }
}

/// The numbers, for the script's summary table (`--summary`).
struct Results {
    private var entries: [(String, String)] = []

    subscript(key: String) -> String? {
        get { entries.first { $0.0 == key }?.1 }
        set {
            entries.removeAll { $0.0 == key }
            if let newValue { entries.append((key, newValue)) }
        }
    }

    mutating func cpu(_ values: [String: Double], prefix: String) {
        for (name, micros) in values.sorted(by: { $0.key < $1.key }) {
            self["\(prefix)_cpu_\(name.replacingOccurrences("-", "_"))_ms"] = fixed(micros / 1000, 0)
        }
    }

    func write(to path: String) throws {
        let text = entries.map { "\($0.0)=\($0.1)\n" }.joined()
        guard let file = fopen(path, "w") else {
            throw ValidationError("cannot write \(path): \(Errno.current)")
        }
        defer { fclose(file) }
        fputs(text, file)
    }
}

// MARK: helpers (no Foundation)

/// Prints a line and flushes it at once, so that progress shows also through a pipe.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

func wallClockMicroseconds() -> Int64 {
    Timestamp.now().microsecondsSinceEpoch
}

/// `value` with `decimals` digits after the point, e.g. `fixed(12.345)` = `12.3`; `n/a` when not finite.
func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    guard value.isFinite else { return "n/a" }
    var scale: Int64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((abs(value) * Double(scale)).rounded())
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard decimals > 0 else { return sign + "\(scaled)" }
    let fraction = String(scaled % scale)
    return sign + "\(scaled / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
}

func format(_ duration: Duration) -> String { fixed(duration.milliseconds) + " ms" }

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension String {
    func replacingSpaces() -> String { replacingOccurrences(" ", "_") }

    func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}

extension Array where Element == Double {
    /// Nearest-rank percentile of a sorted array.
    func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return .nan }
        return self[Swift.min(count - 1, Int((Double(count - 1) * p).rounded()))]
    }

    var mean: Double { isEmpty ? .nan : reduce(0, +) / Double(count) }
}
