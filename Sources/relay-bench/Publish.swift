import ArgumentParser
import Glibc
import Logging
import MQTT

/// Publishes N numbered messages at QoS 1, pipelined through a window, and waits for every PUBACK.
///
/// Not `mosquitto_pub -l`: at QoS 1 that drops what it has not sent yet when its input ends. Each message here is a
/// tracked publish (`MQTTClient.publish(…, onComplete:)`) that settles on its own PUBACK, and the command ends only
/// when all have settled — acknowledged, refused or past their deadline — so "published" means "the broker has it".
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish numbered ~200-byte JSON messages at QoS 1 and wait for every PUBACK.")

    @OptionGroup var broker: BrokerOptions
    @Option(help: "Topic to publish to.") var topic = "data/bench"
    @Option(help: "Messages to publish.") var count = 100_000
    @Option(help: "Messages awaiting their PUBACK at once (also libmosquitto's max inflight).") var window = 1000
    @Option(help: "Approximate payload size in bytes.") var size = 200
    @Option(help: "Run id written into every message (default: run-<pid>-<unix time>).") var run: String?
    @Option(help: "Seconds a message may wait for its PUBACK before it counts as failed.") var ackTimeout = 60

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard window > 0, window <= 65_000 else { throw ValidationError("--window must be 1…65000 (MQTT message ids)") }
        guard size >= 40, size <= 131_072 else { throw ValidationError("--size must be 40…131072 bytes") }
        guard ackTimeout > 0 else { throw ValidationError("--ack-timeout must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "relay-bench")
        logger.logLevel = .warning
        let runID = run ?? "run-\(getpid())-\(wallClockMicroseconds() / 1_000_000)"
        let options = broker.options(
            clientID: broker.clientId ?? "relay-bench-publish-\(getpid())", cleanSession: true,
            maxInflightMessages: window)
        let client = try MQTTClient(options: options, logger: logger)
        client.start()
        async let watched: Void = ConnectionWatch.report(client.events, endpoint: options.endpoint)
        do {
            try await ConnectionWatch.waitUntilConnected(client, timeout: .seconds(broker.connectTimeout))
            try await publishAll(client, runID: runID)
        } catch {
            await client.disconnect()
            await watched
            throw error
        }
        await client.disconnect()
        await watched
    }

    private func publishAll(_ client: MQTTClient, runID: String) async throws {
        let message = BenchMessage(run: runID, size: size)
        let payloadSize = message.payload(seq: count / 2, sentUs: wallClockMicroseconds()).count
        say(
            "publishing \(grouped(count)) messages (≈\(payloadSize) bytes) at QoS 1 to \(client.options.endpoint) "
                + "topic \(topic), window \(window), run \(runID)")
        let slots = PublishWindow(size: window)
        let timeout = Duration.seconds(ackTimeout)
        let clock = ContinuousClock()
        let started = clock.now
        for seq in 0..<count {
            await slots.acquire()
            let payload = message.payload(seq: seq, sentUs: wallClockMicroseconds())
            do {
                try client.publish(topic: topic, payload: payload, qos: 1, timeout: timeout) { slots.settle($0) }
            } catch {
                slots.settle(.failure(error))
            }
        }
        let handedOver = clock.now - started
        await slots.drained()
        let tally = slots.tally
        let elapsed = (tally.lastSettled ?? clock.now) - started
        let rate = Double(tally.acknowledged) / elapsed.seconds
        say(
            "\(grouped(tally.acknowledged)) of \(grouped(count)) acknowledged (PUBACK) in \(fixed(elapsed.seconds, 3)) s: "
                + "\(grouped(Int(rate))) msg/s (all handed to the client after \(fixed(handedOver.seconds, 3)) s)")
        if tally.failed > 0 {
            say("\(grouped(tally.failed)) failed; first failures:")
            for failure in tally.failures { say("  \(failure)") }
        }
        say(
            "result published=\(count) acknowledged=\(tally.acknowledged) failed=\(tally.failed) "
                + "seconds=\(fixed(elapsed.seconds, 3)) rate=\(Int(rate)) run=\(runID) cpuMs=\(ownCPUMilliseconds())")
        if tally.failed > 0 {
            throw ValidationError(
                "\(tally.failed) of \(count) messages were not acknowledged by \(client.options.endpoint)")
        }
    }
}
