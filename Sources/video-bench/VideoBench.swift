import ArgumentParser
import Foundation
import TestSupport

/// Measures the video path end to end on the real local stack: glass-to-glass latency from the clock stripe the
/// producer paints (`--source clock`) and the drive page reads back (`?probe=1`), the first frame, the frame rate,
/// and the producer's CPU and memory. scripts/bench-video.sh builds and runs it; method and numbers in
/// BENCHMARKS.md. It prints numbers and never fails on a slow result; it exits 1 when the measurement itself broke
/// (no frame, no probe samples).
@main
struct VideoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video-bench",
        abstract: "Glass-to-glass latency, first frame, fps and the producer's CPU and RSS (prints numbers).")

    @Option(help: "Length of the measured window in seconds (after the warm-up).") var seconds = 60
    @Option(help: "A run of N minutes instead: p50/p95 per minute, drift check (last p95 ≤ first p95 + 20 ms).")
    var minutes: Int?
    @Option(help: "Seconds after the first frame that are not measured.") var warmupSeconds = 5
    @Option(
        name: .customLong("producer-args"), parsing: .unconditional,
        help: "More robot-webrtc options, one string (e.g. \"--no-zero-latency\", \"--key-frame-seconds 10\").")
    var producerArgs = ""
    @Option(help: "The page's receiver.jitterBufferTarget in ms (the page's ?jitterBufferTarget=); default: unset.")
    var jitterBufferTarget: Int?
    @Flag(help: "No audio track (by default the producer sends its test tone when it has --audio-source).")
    var noAudio = false
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Option(help: "The commit measured (stored in the JSON).") var commit: String?

    func validate() throws {
        guard (minutes ?? 1) >= 1, seconds >= 1, warmupSeconds >= 0 else {
            throw ValidationError("--seconds and --minutes must be at least 1, --warmup-seconds at least 0")
        }
    }

    func run() async throws {
        do {
            try await withCancellationOnSignals { try await measure() }
        } catch is CancellationError {
            say("video-bench: interrupted; the stack is stopped")
            throw ExitCode(130)
        }
    }

    private func measure() async throws {
        let producerArguments = producerArgs.split(whereSeparator: \.isWhitespace).map(String.init)
        let audioSource = noAudio ? nil : try await producerHasAudio() ? "test" : nil
        var description = RunDescription(
            seconds: minutes.map { $0 * 60 } ?? seconds, warmupSeconds: warmupSeconds, minutes: minutes,
            producerArguments: producerArguments, jitterBufferTargetMs: jitterBufferTarget, audioSource: audioSource,
            machine: await MachineDescription.collect(), commit: commit)
        printMethod(description)
        let stack = try await BenchStack.start(
            producerArguments: (audioSource.map { ["--audio-source", $0] } ?? []) + producerArguments)
        let measured: Measured
        do {
            description.producerCommand = stack.producerCommand
            description.pipeline = stack.producerPipeline()
            say("producer: \(description.producerCommand.joined(separator: " "))")
            say("pipeline: \(description.pipeline ?? "(not in robotd's log)")")
            say(
                "== measuring \(description.seconds) s after a \(warmupSeconds) s warm-up "
                    + "(variant: \(description.variant))"
            )
            measured = try await Measurement(
                stack: stack, seconds: description.seconds, warmupSeconds: warmupSeconds,
                jitterBufferTargetMs: jitterBufferTarget, say: say
            ).run()
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
        let report = BenchReport(run: description, measured: measured)
        say("== results")
        report.lines.forEach { say($0) }
        if let json {
            try Data(report.json.serializedString().utf8).write(to: URL(filePath: json))
            say("result file: \(json)")
        }
        guard measured.window.overall.count > 0 else {
            throw TestSupportError(
                "no glass-to-glass sample in the window: the page decoded no stripe (misses: "
                    + "\(measured.misses)) — is the producer's --source clock painting, "
                    + "and the page's ?probe=1 reading?"
            )
        }
    }

    /// "release" or "debug": how the binaries in use were built (their folder's name).
    private static var buildKind: String {
        ((try? RepositoryPaths.binDirectory().path) ?? "").contains("/release") ? "release" : "debug"
    }

    /// Whether this robot-webrtc has `--audio-source` (issue 14's audio; an older one has video only).
    private func producerHasAudio() async throws -> Bool {
        let help = try await ChildProcess.run(try RepositoryPaths.product("robot-webrtc").path, ["--help"])
        return help.standardOutput.contains("--audio-source")
    }

    private func printMethod(_ run: RunDescription) {
        say(
            """
            == method
            stack: TLS mosquitto (throwaway PKI), robot-server, robotd (simulated motors) running robot-webrtc as its \
            producer (\(Self.buildKind) builds), headless Chromium opening /?probe=1\
            \(run.jitterBufferTargetMs.map { "&jitterBufferTarget=\($0)" } ?? ""); all on this machine, one viewer, \
            ICE over 127.0.0.1; audio: \(run.audioSource.map { "\($0) source (an Opus track)" } ?? "off")
            glass-to-glass: the producer paints its wall clock (CLOCK_REALTIME, ms) into every frame as it leaves the \
            source (--source clock: a 64-cell stripe across the top 16 rows); the page decodes the stripe of every \
            frame it shows (requestVideoFrameCallback, canvas) and keeps [shown, painted], shown = \
            performance.timeOrigin + expectedDisplayTime; latency = shown − painted (one machine, one clock). The \
            bench drains robotPage.probe() every second; samples shown inside the window count; percentiles are \
            nearest rank; misses = shown frames whose stripe did not decode
            first frame: the page's navigation start (performance.timeOrigin) → its first presented frame, by the \
            page's own clock (firstFrameMs), as the bench saw it (stats polled every 20 ms), and the first frame \
            whose stripe decoded; the window's opening before navigation is printed apart
            fps: inbound-rtp framesPerSecond (once a second, mean) and framesDecoded over the window
            receiver: the page's video inbound-rtp counters read from its RTCPeerConnection (DevTools \
            Runtime.queryObjects): jitterBufferDelay / jitterBufferEmittedCount (and the target), totalDecodeTime \
            and totalProcessingDelay / framesDecoded, over the window — the receiving side's share of glass-to-glass
            producer: CPU = utime + stime of /proc/PID/stat over the window, % of one core; RSS = VmRSS every \
            second (max, end) and VmHWM; the pid from robotd's log
            machine: \(run.machine.map { "\($0.0) \($0.1)" }.joined(separator: "; "))
            """)
    }
}

/// Prints a line and flushes it at once, so that the progress shows also through a pipe or in a file.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
