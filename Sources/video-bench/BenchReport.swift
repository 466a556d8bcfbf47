import BrowserControl
import Foundation
import StrictJSON
import TestSupport

/// What was run (the variant and where), printed beside the numbers and stored with them.
struct RunDescription: Sendable {
    var seconds: Int
    var warmupSeconds: Int
    /// Minutes asked for with `--minutes` (the drift check is printed then), else nil.
    var minutes: Int?
    var producerArguments: [String]
    var jitterBufferTargetMs: Int?
    /// The audio source given to the producer (`test`), or nil when audio is off.
    var audioSource: String?
    var producerCommand: [String] = []
    var pipeline: String?
    var machine: [(String, String)] = []
    var commit: String?

    /// The variant in one phrase: `default`, or what differs from it.
    var variant: String {
        var parts: [String] = []
        if !producerArguments.isEmpty { parts.append("producer \(producerArguments.joined(separator: " "))") }
        if let jitterBufferTargetMs { parts.append("jitterBufferTarget \(jitterBufferTargetMs) ms") }
        if audioSource == nil { parts.append("audio off") }
        return parts.isEmpty ? "default" : parts.joined(separator: ", ")
    }
}

/// Prints a run's numbers and turns them into the JSON result file.
struct BenchReport {
    let run: RunDescription
    let measured: Measured

    private var seconds: Double { measured.elapsedSeconds }

    private func cpuPercent(_ ticks: Int) -> Double {
        ProcessMeter.percentOfOneCore(ticks: ticks, seconds: seconds)
    }

    private var decodedPerSecond: Double? {
        measured.framesDecodedSeconds > 0 ? Double(measured.framesDecoded) / measured.framesDecodedSeconds : nil
    }

    /// Frames with a decoded stripe shown in the window, per second of it.
    private var stripesPerSecond: Double { Double(measured.window.overall.count) / Double(run.seconds) }

    private var meanInboundFPS: Double? {
        measured.inboundFPS.isEmpty ? nil : measured.inboundFPS.reduce(0, +) / Double(measured.inboundFPS.count)
    }

    private var machineBusyPercent: Double? {
        measured.machineTotalTicks > 0
            ? Double(measured.machineBusyTicks) / Double(measured.machineTotalTicks) * 100
            : nil
    }

    /// The result lines: the headline first.
    var lines: [String] {
        let window = measured.window
        let all = window.overall
        var lines = [
            "glass-to-glass p50 \(ms(all.p50)) p95 \(ms(all.p95)) — variant: \(run.variant); \(run.seconds) s, "
                + "\(all.count) samples, \(measured.misses) misses (frames whose stripe did not decode)",
            "  p99 \(ms(all.p99)), min \(ms(all.sorted.first)), max \(ms(all.sorted.last)), mean \(ms(all.mean))",
        ]
        if run.minutes != nil {
            for (index, minute) in window.minutes.enumerated() {
                lines.append(
                    "  minute \(index + 1): glass-to-glass p50 \(ms(minute.p50)) p95 \(ms(minute.p95)) "
                        + "(\(minute.count) samples)")
            }
            if let drift = window.drift {
                lines.append(
                    "drift: p95 first minute \(ms(drift.firstP95)), last minute \(ms(drift.lastP95)): "
                        + "\(drift.passes ? "PASS" : "FAIL") (last ≤ first + \(Int(DriftCheck.allowanceMs)) ms)"
                        + (window.minutes.count == 1 ? "; one minute: first and last are the same" : ""))
            } else {
                lines.append("drift: not measured (a minute without samples)")
            }
        }
        lines.append(
            "first frame: navigation start → first decoded frame \(ms(measured.firstFramePageMs)) (the page's "
                + "firstFrameMs), \(ms(measured.firstFrameBenchMs)) as the bench saw it, first decoded stripe shown "
                + "at \(ms(measured.firstStripeMs)); opening the window before that took \(ms(measured.windowOpenMs))")
        lines.append(
            "fps: inbound framesPerSecond mean \(fixed(meanInboundFPS)), "
                + "frames decoded / s \(fixed(decodedPerSecond)), "
                + "decoded stripes / s \(fixed(stripesPerSecond)); "
                + "\(measured.width)×\(measured.height)")
        lines.append(
            "clocks: the page's (timeOrigin + now) minus CLOCK_REALTIME \(ms(measured.clockOffsetStartMs)) at the "
                + "start, \(ms(measured.clockOffsetEndMs)) at the end (median of the last 31 readings; each sample "
                + "corrected by it)")
        if let receiver = measured.receiver {
            lines.append(
                "receiver (inbound-rtp video, per frame): jitter buffer \(ms(receiver.jitterBufferMs)) (target "
                    + "\(ms(receiver.jitterBufferTargetMs))), decode \(ms(receiver.decodeMs)), "
                    + "first packet → decoded \(ms(receiver.processingMs))")
        } else {
            lines.append("receiver: its delays were not found (DevTools found no connected RTCPeerConnection)")
        }
        let rss = measured.producerRSSKiB
        lines.append(
            "producer (robot-webrtc, pid \(measured.producerPID)): CPU \(fixed(cpuPercent(measured.producerTicks))) % "
                + "of one core; RSS max \(mib(rss.max())), end \(mib(rss.last)), VmHWM \(mib(measured.producerHWMKiB))")
        lines.append(
            "others: Chromium (all its processes) \(fixed(cpuPercent(measured.chromiumTicks))) % of one core; "
                + "the machine's CPUs \(fixed(machineBusyPercent)) % busy in all")
        if measured.producerRestarted {
            lines.append("WARNING: robotd restarted the producer during the run; its CPU and RSS are of the first one")
        }
        if measured.reconnected { lines.append("WARNING: the page made a new peer connection during the run") }
        return lines
    }

    /// The result file's content.
    var json: JSONValue {
        let window = measured.window
        let all = window.overall
        var glass: [(String, JSONValue)] = [
            ("p50Ms", number(all.p50)), ("p95Ms", number(all.p95)), ("p99Ms", number(all.p99)),
            ("minMs", number(all.sorted.first)), ("maxMs", number(all.sorted.last)), ("meanMs", number(all.mean)),
            ("samples", number(all.count)), ("misses", number(measured.misses)),
            ("pageDecoded", number(measured.decoded)),
            ("samplesOutsideWindow", number(window.outside)),
            // With audio on, Chrome's audio/video sync moves the video's delay in steps during a run.
            ("perTenSeconds", .array(window.spans(seconds: 10).map { summary($0) })),
        ]
        if run.minutes != nil {
            glass.append(
                ("perMinute", .array(window.minutes.map { summary($0) })))
            glass.append(
                (
                    "drift",
                    window.drift.map {
                        object([
                            ("firstMinuteP95Ms", number($0.firstP95)), ("lastMinuteP95Ms", number($0.lastP95)),
                            ("allowanceMs", number(DriftCheck.allowanceMs)), ("pass", .bool($0.passes)),
                        ])
                    } ?? .null
                ))
        }
        return object([
            ("bench", "video"), ("date", .string(ISO8601DateFormatter().string(from: Date()))),
            ("commit", run.commit.map(JSONValue.string) ?? .null), ("variant", .string(run.variant)),
            ("seconds", number(run.seconds)), ("measuredSeconds", number(seconds)),
            ("warmupSeconds", number(run.warmupSeconds)),
            ("producerArguments", .array(run.producerArguments.map(JSONValue.string))),
            ("jitterBufferTargetMs", number(run.jitterBufferTargetMs)),
            ("audioSource", run.audioSource.map(JSONValue.string) ?? .null),
            ("producerCommand", .array(run.producerCommand.map(JSONValue.string))),
            ("pipeline", run.pipeline.map(JSONValue.string) ?? .null),
            ("machine", object(run.machine.map { ($0.0, .string($0.1)) })),
            ("glassToGlass", object(glass)),
            (
                "firstFrame",
                object([
                    ("pageMs", number(measured.firstFramePageMs)), ("benchMs", number(measured.firstFrameBenchMs)),
                    ("firstStripeMs", number(measured.firstStripeMs)), ("windowOpenMs", number(measured.windowOpenMs)),
                ])
            ),
            (
                "fps",
                object([
                    ("inboundMean", number(meanInboundFPS)), ("decodedPerSecond", number(decodedPerSecond)),
                    ("stripesPerSecond", number(stripesPerSecond)),
                    ("width", number(measured.width)), ("height", number(measured.height)),
                ])
            ),
            (
                "producer",
                object([
                    ("pid", number(Int(measured.producerPID))),
                    ("cpuPercentOfOneCore", number(cpuPercent(measured.producerTicks))),
                    ("rssMaxKiB", number(measured.producerRSSKiB.max())),
                    ("rssEndKiB", number(measured.producerRSSKiB.last)),
                    ("vmHWMKiB", number(measured.producerHWMKiB)), ("restarted", .bool(measured.producerRestarted)),
                ])
            ),
            (
                "pageClockOffsetMs",
                object([("start", number(measured.clockOffsetStartMs)), ("end", number(measured.clockOffsetEndMs))])
            ),
            ("receiver", measured.receiver.map(delays) ?? .null),
            ("receiverTimeline", .array(measured.receiverTimeline.map(delays))),
            ("chromiumCPUPercentOfOneCore", number(cpuPercent(measured.chromiumTicks))),
            ("machineBusyPercent", number(machineBusyPercent)),
            ("pageReconnected", .bool(measured.reconnected)),
        ])
    }

    private func delays(_ perFrame: ReceiverDelays.PerFrame) -> JSONValue {
        object([
            ("jitterBufferMs", number(perFrame.jitterBufferMs)),
            ("jitterBufferTargetMs", number(perFrame.jitterBufferTargetMs)),
            ("decodeMs", number(perFrame.decodeMs)), ("processingMs", number(perFrame.processingMs)),
        ])
    }

    private func summary(_ latencies: LatencySummary) -> JSONValue {
        object([
            ("p50Ms", number(latencies.p50)), ("p95Ms", number(latencies.p95)), ("samples", number(latencies.count)),
        ])
    }
}

private func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }

private func number(_ value: Double?) -> JSONValue {
    guard let value, value.isFinite else { return .null }
    return .number((value * 100).rounded() / 100)
}

private func number(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }

/// One decimal, or "–".
private func fixed(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "–" }
    return "\((value * 10).rounded() / 10)"
}

/// KiB as MiB with one decimal, or "–".
private func mib(_ kib: Int?) -> String {
    guard let kib else { return "–" }
    return "\(fixed(Double(kib) / 1024)) MiB"
}
