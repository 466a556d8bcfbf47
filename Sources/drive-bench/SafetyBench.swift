import Glibc
import SystemPackage

/// The safety runs: the ramp as robotd's simulated motors see it, and the emergency stop's latency.
///
/// - Ramp: one full-speed forward, then a stop. robotd (at `--robotd-log-level info`) logs each change of the
///   simulated motors; the bench follows its log file every 1 ms and stamps each new line on arrival, relative to
///   the publish (CLOCK_REALTIME). A line reaches the file when robotd wrote it, right after the driver call.
/// - Emergency stop: for each sample, a 5 s forward over MQTT (the command telemetry confirms it), then
///   `{"action":"estop"}` over MQTT or as an HTTP POST to robot-server's `/robots/{thing}/publish` (a new TCP
///   connection each time, as curl makes); the latency is the `ts` of robotd's `estop` event — stamped after the
///   stop was written to the motors — minus the wall-clock time taken right before the publish or the connect.
///   A release over MQTT follows each sample.
extension DriveBench {
    func measureSafety(_ probe: TelemetryProbe, results: inout Results) async throws {
        if let robotdLog, robotd != nil {
            try await measureRamp(probe, log: robotdLog)
        }
        guard estopSamples > 0 else { return }
        var paths: [(String, EstopPath)] = [("MQTT", .mqtt)]
        if let restURL {
            paths.append(("REST", .rest(try HTTPTarget(url: restURL), token: restToken)))
        }
        for (name, path) in paths {
            let latencies = try await measureEstop(probe, via: path).sorted()
            say(
                "estop via \(name) → motors stopped, \(latencies.count) samples: "
                    + "median \(fixed(latencies.percentile(0.5), 2)) ms, p95 \(fixed(latencies.percentile(0.95), 2)) ms, "
                    + "max \(fixed(latencies.last ?? .nan, 2)) ms")
            let key = name.lowercased()
            results["estop_\(key)_p50_ms"] = fixed(latencies.percentile(0.5), 2)
            results["estop_\(key)_p95_ms"] = fixed(latencies.percentile(0.95), 2)
            results["estop_\(key)_max_ms"] = fixed(latencies.last ?? .nan, 2)
        }
    }

    enum EstopPath {
        case mqtt
        case rest(HTTPTarget, token: String?)
    }

    private func measureEstop(_ probe: TelemetryProbe, via path: EstopPath) async throws -> [Double] {
        let topic = "\(thing)/action"
        var latencies: [Double] = []
        for index in 0..<estopSamples {
            let forward = "F\(index)-\(wallClockMicroseconds())"
            try probe.client.publish(
                topic: topic, payload: Array(#"{"action":"forward","durationMs":5000,"id":"\#(forward)"}"#.utf8))
            try await probe.waitFor(timeout: .seconds(5), "`command` telemetry for \(forward)") {
                $0.isTelemetry("command", id: forward)
            }
            try await Task.sleep(for: .milliseconds(50))
            let sent = wallClockMicroseconds()
            let id = "E\(index)-\(sent)"
            let payload = #"{"action":"estop","id":"\#(id)"}"#
            switch path {
            case .mqtt:
                try probe.client.publish(topic: topic, payload: Array(payload.utf8))
            case .rest(let target, let token):
                let status = try target.post("/robots/\(thing)/publish", body: payload, bearer: token)
                guard (200..<300).contains(status) else {
                    throw ProbeTimeout(description: "POST /robots/\(thing)/publish: HTTP \(status)")
                }
            }
            let engaged = try await probe.waitFor(timeout: .seconds(5), "`estop` telemetry for \(id)") {
                $0.isTelemetry("estop", id: id, reason: "engaged")
            }
            latencies.append(Double(engaged.timestampMicroseconds - sent) / 1000)
            let release = "R\(index)"
            try probe.client.publish(
                topic: topic, payload: Array(#"{"action":"release","id":"\#(release)"}"#.utf8))
            try await probe.waitFor(timeout: .seconds(5), "`estop` released for \(release)") {
                $0.isTelemetry("estop", id: release, reason: "released")
            }
        }
        return latencies
    }

    /// One full forward and a stop, printed as a table of (ms since the publish, throttle) from robotd's log.
    private func measureRamp(_ probe: TelemetryProbe, log: String) async throws {
        let topic = "\(thing)/action"
        var follower = try LogFollower(path: log)
        _ = follower.newLines()
        let sent = wallClockMicroseconds()
        try probe.client.publish(
            topic: topic, payload: Array(#"{"action":"forward","speed":1,"durationMs":2000,"id":"ramp"}"#.utf8))
        let up = try await follower.motorChanges(since: sent, until: "left=+1.000", timeout: .seconds(2))
        let stopSent = wallClockMicroseconds()
        try probe.client.publish(topic: topic, payload: Array(#"{"action":"stop","id":"ramp-stop"}"#.utf8))
        let down = try await follower.motorChanges(since: stopSent, until: "left=+0.000", timeout: .seconds(2))
        say("ramp, full forward then stop, as robotd's simulated motors logged it (ms after each publish):")
        say("  forward: " + up.map { "\(fixed($0.ms, 1)) ms \($0.value)" }.joined(separator: ", "))
        say("  stop:    " + down.map { "\(fixed($0.ms, 1)) ms \($0.value)" }.joined(separator: ", "))
    }
}

/// Follows a growing log file (robotd's), returning whole new lines.
struct LogFollower {
    let fd: Int32
    private var pending: [UInt8] = []

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpawnError(description: "cannot open \(path): \(Errno(rawValue: errno))") }
    }

    mutating func newLines() -> [String] {
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            pending += chunk[0..<n]
        }
        guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let lines = pending[...last].split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        pending.removeSubrange(...last)
        return lines
    }

    /// Each `simulated motors:` line as (ms since `start`, `+0.080`) until one contains `until`.
    mutating func motorChanges(since start: Int64, until: String, timeout: Duration) async throws
        -> [(ms: Double, value: String)]
    {
        var changes: [(ms: Double, value: String)] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let arrived = wallClockMicroseconds()
            for line in newLines() {
                guard let range = line.firstRange(of: "simulated motors: left=") else { continue }
                let value = String(line[range.upperBound...].prefix(6))
                changes.append((Double(arrived - start) / 1000, value))
                if line.contains(until) { return changes }
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw ProbeTimeout(description: "robotd's log did not show \(until) within \(timeout)")
    }
}

/// `http://127.0.0.1:PORT` (an IPv4 address or `localhost`): a POST on a new connection each time, as curl does.
struct HTTPTarget {
    let host: String
    let port: UInt16

    init(url: String) throws {
        guard url.hasPrefix("http://") else { throw SpawnError(description: "--rest-url must be http://HOST:PORT") }
        let rest = url.dropFirst("http://".count).split(separator: "/").first ?? ""
        let parts = rest.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else {
            throw SpawnError(description: "--rest-url must be http://HOST:PORT, got \(url)")
        }
        host = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        self.port = port
    }

    /// Sends the POST and returns the HTTP status once the response's head arrived.
    func post(_ path: String, body: String, bearer: String?) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            throw SpawnError(description: "cannot connect to \(host):\(port): \(Errno(rawValue: errno))")
        }
        let request =
            "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
            + (bearer.map { "Authorization: Bearer \($0)\r\n" } ?? "")
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw Errno(rawValue: errno)
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !response.contains(UInt8(ascii: "\n")) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            response += chunk[0..<n]
        }
        let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let fields = statusLine.split(separator: " ")
        return fields.count >= 2 ? Int(fields[1]) ?? 0 : 0
    }
}
