import ArgumentParser
import Basics
import Glibc
import Logging
import MQTT
import TestSupport

/// Measures robot-server's drive path: HTTP `POST /publish` → robot-server → broker → robotd → motor driver.
///
/// Each request's command `id` carries the bench's wall-clock send time; robotd stamps its `command`
/// telemetry's `ts` right after the motor driver call returned. Both read CLOCK_REALTIME on one machine, so
/// the difference is the one-way latency from the first byte of the HTTP request to the motor call. One
/// request at a time, on one keep-alive connection.
@main
struct ServerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server-bench",
        abstract: "Benchmark robot-server: HTTP POST /publish → motor driver call latency (prints numbers).")

    @Option(help: "robot-server's IPv4 address.") var host = "127.0.0.1"
    @Option(help: "robot-server's port.") var port: UInt16 = 8080
    @Option(help: "Request path.") var path = "/publish"
    @Option(help: "Bearer token.") var token: String
    @Option(help: "Broker host (to watch telemetry).") var brokerHost = "localhost"
    @Option(help: "Broker port.") var brokerPort = 8883
    @Option(help: "CA certificate.") var caFile: String
    @Option(help: "Client certificate (an identity that may read +/telemetry).") var certFile: String
    @Option(help: "Client key.") var keyFile: String
    @Option(help: "Thing name.") var thing = "sts-pi"
    @Option(help: "Requests to measure.") var count = 2000
    @Option(help: "Requests before measuring.") var warmup = 200

    func run() async throws {
        var logger = Logger(label: "server-bench")
        logger.logLevel = .warning
        let options = MQTTOptions(
            host: brokerHost, port: brokerPort, clientID: "server-bench-\(getpid())", caFile: caFile,
            certFile: certFile, keyFile: keyFile, subscriptions: [.init("\(thing)/telemetry", qos: 0)])
        let client = try MQTTClient(options: options, logger: logger)
        let waiter = TelemetryWaiter(client: client)
        client.start()
        async let consumer: Void = waiter.consume()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while !waiter.isSubscribed {
            guard clock.now < deadline else { throw ValidationError("no SUBACK from the broker within 10 s") }
            try await Task.sleep(for: .milliseconds(10))
        }

        let connection = try HTTPConnection(host: host, port: port)
        var motor: [Double] = []
        var roundTrip: [Double] = []
        for index in 0..<(warmup + count) {
            let action = index % 2 == 0 ? "forward" : "backwards"
            let sent = wallClockMicroseconds()
            let id = "B\(index)-\(sent)"
            let body = #"{"action":"\#(action)","durationMs":5000,"id":"\#(id)"}"#
            let started = clock.now
            let (status, answer) = try connection.exchange(request(body))
            let answered = clock.now
            guard status == 202 else {
                throw ValidationError("request \(index): \(status) \(String(decoding: answer, as: UTF8.self))")
            }
            guard let ts = await waiter.commandTimestamp(id: id, timeout: .seconds(5)) else {
                throw ValidationError("no command telemetry for \(id) within 5 s — is robotd running as \(thing)?")
            }
            if index >= warmup {
                motor.append(Double(ts - sent))
                roundTrip.append(microseconds(answered - started))
            }
        }
        _ = try connection.exchange(request(#"{"action":"stop"}"#))
        report("HTTP POST \(path) → motor driver call", motor.sorted())
        report("HTTP round trip (request → 202 after PUBACK)", roundTrip.sorted())
        await client.disconnect()
        await consumer
    }

    private func request(_ body: String) -> [UInt8] {
        Array(
            ("POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").utf8)
    }

    private func report(_ what: String, _ sorted: [Double]) {
        func ms(_ microseconds: Double) -> String {
            let hundredths = Int((microseconds / 10).rounded())
            return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) ms"
        }
        print(
            "\(what) over \(sorted.count) requests (one at a time, keep-alive): p50 \(ms(sorted.percentile(0.5))), "
                + "p99 \(ms(sorted.percentile(0.99))), max \(ms(sorted.last ?? 0))")
    }
}

func wallClockMicroseconds() -> Int64 {
    Timestamp.now().microsecondsSinceEpoch
}

func microseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
}
