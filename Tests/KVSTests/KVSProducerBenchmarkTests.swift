import BrowserControl
import Foundation
import Testing
import TestSupport

/// robot-webrtc's CPU and memory as a KVS master streaming to one KVS viewer (headless Chromium), 640×480@30
/// videotestsrc → x264enc at 1000 kbit/s — the settings of VideoTests' `ProducerBenchmarkTests` (self-hosted mode), so
/// the two can be compared. Prints numbers; asserts only that video flowed. Opt-in:
/// `ROBOT_WEBRTC_BENCH=1 swift test --filter KVSProducerBenchmarkTests` (seconds: `ROBOT_WEBRTC_BENCH_SECONDS`, 20).
///
/// Method: `/proc/<pid>/stat` utime+stime over the window → % of one core; VmRSS sampled each second (mean, max).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ROBOT_WEBRTC_BENCH"] != nil))
struct KVSProducerBenchmarkTests {
    @Test func cpuAndMemoryWithOneKVSViewer() async throws {
        let seconds = Int(ProcessInfo.processInfo.environment["ROBOT_WEBRTC_BENCH_SECONDS"] ?? "") ?? 20
        let (stack, _) = try await KVSProducerStack.start(
            extraArguments: [
                "--source", "videotestsrc", "--width", "640", "--height", "480", "--fps", "30",
                "--bitrate", "1000", "--log-level", "info",
            ])
        let chromium = try await Chromium.start()
        defer { Task { await chromium.stop() } }
        try await stack.waitForMasterConnect()
        let pid = stack.producer.processIdentifier
        try await Task.sleep(for: .seconds(2))
        print("robot-webrtc (KVS) idle, 5 s: \(try await Self.sample(pid: pid, seconds: 5))")

        let viewer = try await KVSViewerPage.open(
            in: chromium, url: try stack.kvs.viewerURL(clientId: "bench", credentials: try stack.kvs.addCredentials()))
        let started = try await viewer.waitForFrames(30)
        let usage = try await Self.sample(pid: pid, seconds: seconds)
        let ended = try await viewer.stats()
        let fps = Double(ended.framesDecoded - started.framesDecoded) / Double(seconds)
        print(
            "robot-webrtc (KVS) streaming 640x480@30 x264enc to 1 KVS viewer, \(seconds) s: \(usage), viewer decoded "
                + String(format: "%.1f", fps) + " fps")
        #expect(fps > 20, "the viewer decoded only \(fps) fps")
        await viewer.close()
        _ = try await stack.stop()
    }

    static func sample(pid: Int32, seconds: Int) async throws -> String {
        guard let start = ProcessMeter.stat(pid) else { throw TestSupportError("robot-webrtc is gone") }
        let began = ContinuousClock.now
        var rss: [Double] = []
        for _ in 0..<seconds {
            try await Task.sleep(for: .seconds(1))
            rss.append(Double(ProcessMeter.statusKiB(pid, "VmRSS") ?? 0) / 1024)
        }
        let elapsed = ContinuousClock.now - began
        guard let end = ProcessMeter.stat(pid) else { throw TestSupportError("robot-webrtc is gone") }
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = ProcessMeter.percentOfOneCore(ticks: end.cpuTicks - start.cpuTicks, seconds: wall)
        return String(
            format: "CPU %.1f %% of one core, RSS mean %.1f MiB max %.1f MiB", cpu,
            rss.reduce(0, +) / Double(rss.count),
            rss.max() ?? 0)
    }
}
