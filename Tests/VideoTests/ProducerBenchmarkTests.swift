import Foundation
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Producer CPU and memory at 640×480@30 (videotestsrc, x264enc, 1000 kbit/s) streaming to one viewer (a GStreamer
/// webrtcbin in this process, decoding). Prints numbers; asserts only that video flowed. Opt-in:
/// `ROBOT_WEBRTC_BENCH=1 swift test --filter ProducerBenchmarkTests` (seconds: `ROBOT_WEBRTC_BENCH_SECONDS`, 20).
///
/// Method: `/proc/<pid>/stat` utime+stime (clock ticks) over the wall-clock window → CPU % of one core;
/// `/proc/<pid>/status` VmRSS sampled each second (mean and max) and VmHWM at the end.
@Suite(
    "robot-webrtc benchmark", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["ROBOT_WEBRTC_BENCH"] != nil))
struct ProducerBenchmarkTests {
    @Test func cpuAndMemoryAt640x480x30WithOneViewer() async throws {
        let seconds = Int(ProcessInfo.processInfo.environment["ROBOT_WEBRTC_BENCH_SECONDS"] ?? "") ?? 20
        let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
        let folder = try ScratchDirectory.make("producer-bench")
        let tokenFile = folder.appending(path: "token")
        try Data(ProducerEndToEndTests.token.utf8).write(to: tokenFile)
        let producer = try ChildProcess.start(
            try RepositoryPaths.product("robot-webrtc").path,
            [
                "--server", peer.url, "--thing", "sim-bot", "--token-file", tokenFile.path, "--ice-loopback",
                "--encoder", "x264enc", "--width", "640", "--height", "480", "--fps", "30", "--bitrate", "1000",
            ], outputDirectory: folder)
        try await peer.waitUntilConnected()
        let pid = producer.processIdentifier

        try await Task.sleep(for: .seconds(2))
        let idle = try await Self.sample(pid: pid, seconds: 5)
        print("robot-webrtc idle (no viewer, valve closed), 5 s: \(idle)")

        let viewer = try ProducerTestViewer(encoding: "H264")
        let firstFrame = Stopwatch()
        try await ProducerMediaTests.watch(viewer, as: "bench", through: peer, timeout: .seconds(30)) {
            if viewer.decodedFrames >= 1 { firstFrame.stop() }
            return viewer.decodedFrames >= 30
        }
        print("robot-webrtc: viewer-joined → first decoded frame: \(firstFrame.elapsed) (polled every 0.1 s)")
        #expect(viewer.decodedFrames >= 30, "no video: \(producer.outputTail(lines: 30))")
        let firstFrames = viewer.decodedFrames
        let streaming = try await Self.sample(pid: pid, seconds: seconds)
        let fps = Double(viewer.decodedFrames - firstFrames) / Double(seconds)
        print(
            "robot-webrtc streaming 640x480@30 x264enc to 1 viewer, \(seconds) s: \(streaming), viewer decoded "
                + String(format: "%.1f", fps) + " fps")
        #expect(fps > 20, "the viewer decoded only \(fps) fps")

        viewer.stop()
        #expect(try await producer.terminate() == .exited(0))
        await peer.stop()
    }

    /// Time from creation to the first ``stop()``.
    final class Stopwatch: Sendable {
        private let start = ContinuousClock.now
        private let stopped = Mutex<Duration?>(nil)
        func stop() { stopped.withLock { if $0 == nil { $0 = ContinuousClock.now - start } } }
        var elapsed: String { stopped.withLock { $0.map { "\($0)" } ?? "never" } }
    }

    struct Usage: CustomStringConvertible {
        var cpuPercent: Double
        var meanRSSMiB: Double
        var maxRSSMiB: Double
        var peakRSSMiB: Double
        var description: String {
            String(
                format: "CPU %.1f %% of one core, RSS mean %.1f MiB max %.1f MiB, VmHWM %.1f MiB", cpuPercent,
                meanRSSMiB, maxRSSMiB, peakRSSMiB)
        }
    }

    static func sample(pid: Int32, seconds: Int) async throws -> Usage {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let clock = ContinuousClock()
        let startTicks = try cpuTicks(pid)
        let start = clock.now
        var rss: [Double] = []
        for _ in 0..<seconds {
            try await Task.sleep(for: .seconds(1))
            rss.append(try statusKiB(pid, "VmRSS") / 1024)
        }
        let elapsed = clock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = Double(try cpuTicks(pid) - startTicks) / ticksPerSecond / wall * 100
        return Usage(
            cpuPercent: cpu, meanRSSMiB: rss.reduce(0, +) / Double(rss.count), maxRSSMiB: rss.max() ?? 0,
            peakRSSMiB: try statusKiB(pid, "VmHWM") / 1024)
    }

    /// utime + stime from /proc/<pid>/stat (fields 14 and 15).
    static func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let end = stat.lastIndex(of: ")") else { throw TestSupportError("odd /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else {
            throw TestSupportError("odd /proc/\(pid)/stat")
        }
        return user + system
    }

    static func statusKiB(_ pid: Int32, _ key: String) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
            let value = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { throw TestSupportError("no \(key) in /proc/\(pid)/status") }
        return value
    }
}
