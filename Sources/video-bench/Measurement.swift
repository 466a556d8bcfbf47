import Basics
import BrowserControl
import TestSupport

/// What one run measured; ``BenchReport`` prints it and writes it as JSON.
struct Measured: Sendable {
    var window: GlassToGlassWindow
    /// Stripes the page decoded and could not decode while the window was open.
    var decoded = 0
    var misses = 0
    /// The bench asking Chromium for a window → the page's navigation start (`performance.timeOrigin`).
    var windowOpenMs = 0.0
    /// Navigation start → first frame presented, by the page's clock (its `firstFrameMs`).
    var firstFramePageMs: Double?
    /// Navigation start → the bench saw `framesDecoded > 0` in the page's stats (polled every 20 ms).
    var firstFrameBenchMs = 0.0
    /// Navigation start → the first frame whose stripe decoded was shown (its `shownMs`).
    var firstStripeMs: Double?
    var width = 0, height = 0
    /// The inbound video's `framesPerSecond`, once a second while connected.
    var inboundFPS: [Double] = []
    /// `framesDecoded` from the window's first stats reading to its last (one peer connection), and the seconds
    /// between those readings.
    var framesDecoded = 0
    var framesDecodedSeconds = 0.0
    var reconnected = false
    /// The producer: its pid, whether robotd restarted it, its CPU ticks, VmRSS once a second, VmHWM at the end.
    var producerPID: Int32 = 0
    var producerRestarted = false
    var producerTicks = 0
    var producerRSSKiB: [Int] = []
    var producerHWMKiB: Int?
    /// CPU ticks of Chromium's process group, and of the whole machine (busy and in all).
    var chromiumTicks = 0, machineBusyTicks = 0, machineTotalTicks = 0
    /// The window's real length (the loop's last drain comes a little after it closes).
    var elapsedSeconds = 0.0
    /// The page's clock minus the bench's (ms) when the window opened and when it closed.
    var clockOffsetStartMs = 0.0, clockOffsetEndMs = 0.0
    /// The receiver's delays per frame over the window, and over each progress interval; nil when not found.
    var receiver: ReceiverDelays.PerFrame?
    var receiverTimeline: [ReceiverDelays.PerFrame] = []
}

/// Runs one measurement on a started stack: opens the page, waits for the first frame, warms up, then drains the
/// probe and reads the page's stats and the producer's /proc entries once a second for `seconds`.
struct Measurement {
    let stack: BenchStack
    let seconds: Int
    let warmupSeconds: Int
    let jitterBufferTargetMs: Int?
    /// Prints progress lines.
    let say: @Sendable (String) -> Void

    func run() async throws -> Measured {
        let opened = wallMs()
        let probe = PageProbe(
            page: try await stack.chromium.open(stack.pageURL(jitterBufferTargetMs: jitterBufferTargetMs)))
        let first = try await firstFrame(probe)
        var result = Measured(window: GlassToGlassWindow(startMs: 0, seconds: seconds))
        result.windowOpenMs = first.navigationMs - opened
        result.firstFrameBenchMs = first.seenMs - first.navigationMs
        try await Task.sleep(for: .seconds(warmupSeconds))
        let warmup = try await probe.drain()
        guard warmup.enabled else {
            throw TestSupportError("the page's probe is off (robotPage.probe().enabled is false) although ?probe=1")
        }
        let earliest = (first.samples + warmup.samples).map(\.shownMs).min()
        result.firstStripeMs = earliest.map { $0 - first.navigationMs }
        guard let producer = stack.producer(), let startTicks = ProcessMeter.stat(producer.pid)?.cpuTicks else {
            throw TestSupportError("robotd's log names no running producer:\n\(stack.robotd.outputTail())")
        }
        result.producerPID = producer.pid
        let startStats = try await probe.stats()
        let receiver = try await ReceiverDelays.find(in: probe.page)
        let receiverStart = try await receiver?.read()
        var receiverMark = receiverStart
        let statsBegan = ContinuousClock.now
        var statsEnded = statsBegan
        let chromiumStart = ProcessMeter.groupTicks(stack.chromium.process.processIdentifier)
        let machineStart = ProcessMeter.machineTicks()
        var offsets = ClockOffsets()
        result.clockOffsetStartMs = offsets.add(try await probe.clockOffsetMs())
        let start = wallMs()
        result.window = GlassToGlassWindow(startMs: start, seconds: seconds)
        let clock = ContinuousClock()
        let began = clock.now
        var last = startStats
        let every = seconds > 120 ? 60 : 10
        for second in 1...seconds {
            try await clock.sleep(until: began + .seconds(second), tolerance: .milliseconds(5))
            result.window.add(try await drainCorrected(probe, offsets: &offsets))
            if let stats = try await probe.stats() {
                if stats.connectionState == "connected" { result.inboundFPS.append(stats.framesPerSecond) }
                if stats.peerConnections != startStats?.peerConnections { result.reconnected = true }
                last = stats
                statsEnded = .now
            }
            if let rss = ProcessMeter.statusKiB(producer.pid, "VmRSS") { result.producerRSSKiB.append(rss) }
            if second % every == 0 {
                var line = progress(result.window, second: second, every: every)
                if let before = receiverMark, let now = try await receiver?.read() {
                    let delays = ReceiverDelays.PerFrame(from: before, to: now)
                    result.receiverTimeline.append(delays)
                    receiverMark = now
                    line += "; jitter buffer \(ms(delays.jitterBufferMs)), decode \(ms(delays.decodeMs))"
                }
                say(line)
            }
        }
        // Frames shown just before the window closed may still sit in the page: one more drain.
        try await Task.sleep(for: .milliseconds(300))
        let final = try await probe.drain()
        result.clockOffsetEndMs = offsets.add(try await probe.clockOffsetMs())
        result.window.add(final.samples.map { $0.shownOnWallClock(offsetMs: result.clockOffsetEndMs) })
        result.elapsedSeconds = (wallMs() - start) / 1000
        if let receiverStart, let receiverEnd = try await receiver?.read() {
            result.receiver = ReceiverDelays.PerFrame(from: receiverStart, to: receiverEnd)
        }
        result.decoded = final.frames - warmup.frames
        result.misses = final.misses - warmup.misses
        result.firstFramePageMs = last?.firstFrameMs
        result.width = last?.width ?? 0
        result.height = last?.height ?? 0
        result.framesDecoded = (last?.framesDecoded ?? 0) - (startStats?.framesDecoded ?? 0)
        result.framesDecodedSeconds = Double((statsEnded - statsBegan) / .milliseconds(1)) / 1000
        result.producerTicks = (ProcessMeter.stat(producer.pid)?.cpuTicks ?? startTicks) - startTicks
        result.producerHWMKiB = ProcessMeter.statusKiB(producer.pid, "VmHWM")
        result.producerRestarted = stack.producer()?.pid != producer.pid
        result.chromiumTicks = ProcessMeter.groupTicks(stack.chromium.process.processIdentifier) - chromiumStart
        if let before = machineStart, let after = ProcessMeter.machineTicks() {
            result.machineBusyTicks = after.busy - before.busy
            result.machineTotalTicks = after.total - before.total
        }
        return result
    }

    /// The samples since the last drain, their shown times moved onto the bench's clock.
    private func drainCorrected(_ probe: PageProbe, offsets: inout ClockOffsets) async throws -> [ProbeSample] {
        let samples = try await probe.drain().samples
        let offset = offsets.add(try await probe.clockOffsetMs())
        return samples.map { $0.shownOnWallClock(offsetMs: offset) }
    }

    /// Polls the page's stats every 20 ms (30 s at most) until it has decoded a frame; returns when the bench saw
    /// it, the page's navigation start (wall clock) and the probe samples so far (the page keeps them until drained,
    /// so none is lost).
    private func firstFrame(
        _ probe: PageProbe
    ) async throws -> (seenMs: Double, navigationMs: Double, samples: [ProbeSample]) {
        let deadline = ContinuousClock.now + .seconds(30)
        var lastStats: PageProbe.VideoStats?
        while ContinuousClock.now < deadline {
            if let stats = try await probe.stats() {
                lastStats = stats
                if stats.framesDecoded > 0 {
                    let seen = wallMs()
                    let navigation = try await probe.page.evaluate("performance.timeOrigin").doubleValue ?? .nan
                    return (seen, navigation, try await probe.drain().samples)
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError(
            "the page decoded no frame within 30 s; last stats: \(lastStats.map { "\($0)" } ?? "none")")
    }

    private func progress(_ window: GlassToGlassWindow, second: Int, every: Int) -> String {
        let span = window.span(from: Double(second - every), to: Double(second))
        return "  \(second) s: last \(every) s glass-to-glass p50 \(ms(span.p50)) p95 \(ms(span.p95)) "
            + "(\(span.count) samples)"
    }
}

/// A duration in ms with one decimal, or "–".
func ms(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "–" }
    return "\((value * 10).rounded() / 10) ms"
}
