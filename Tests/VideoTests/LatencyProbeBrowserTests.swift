import BrowserControl
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The glass-to-glass probe end to end: robot-webrtc `--source clock` paints the wall-clock time into every frame,
    /// the page (`/?probe=1`) reads it back from each frame it shows. Asserts the measurement works — decoded
    /// samples, painted times increasing, latencies within a sane bound of the page's clock (one machine, one clock)
    /// — not a latency threshold: the numbers belong to the benchmark (`scripts/bench-video.sh`).
    ///
    /// Needs `chromium` (apt-get install chromium) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct LatencyProbeBrowserTests {
        let browser = BrowserTests()

        @Test func thePageDecodesTheClockStripeOfTheFramesItShows() async throws {
            try await VideoStack.with(producerArguments: ["--source", "clock"]) { stack in
                let page = try await stack.chromium.open(
                    "\(stack.server.baseURL)/?probe=1#token=\(SignalingServer.homeToken)")
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(20))
                _ = try await page.evaluate("window.robotPage.probe()")  // drop what came before

                try await Task.sleep(for: .seconds(3))
                let probe = try await page.evaluate("window.robotPage.probe()")
                #expect(probe["enabled"] == true, "\(probe)")
                let samples = (probe["samples"]?.arrayValue ?? []).compactMap {
                    sample -> (shown: Double, painted: Double)? in
                    guard let pair = sample.arrayValue, pair.count == 2, let shown = pair[0].doubleValue,
                        let painted = pair[1].doubleValue
                    else { return nil }
                    return (shown, painted)
                }
                #expect(
                    samples.count >= 30, "decoded frames in 3 s: \(samples.count) (\(probe["misses"] ?? .null) misses)")
                let painted = samples.map(\.painted)
                #expect(zip(painted, painted.dropFirst()).allSatisfy { $0 < $1 }, "painted times increase: \(painted)")
                let latencies = samples.map { $0.shown - $0.painted }
                #expect(latencies.allSatisfy { $0 > -50 && $0 < 2000 }, "latencies (ms) within bounds: \(latencies)")

                let sorted = latencies.sorted()
                if !sorted.isEmpty {
                    let median = sorted[sorted.count / 2]
                    let p95 = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
                    print(
                        "probe: \(samples.count) frames in 3 s (\(probe["mismatched"] ?? .null) skipped as mismatched "
                            + "so far), glass-to-glass p50 \(Int(median)) ms p95 \(Int(p95)) ms")
                }
                // The link line shows the median of the last second.
                let stats = try await browser.waitForPage(page, "glass to glass on the link line") {
                    $0["link"]?["glassToGlassMs"]?.doubleValue != nil
                }
                let line = try await page.evaluate("document.getElementById('link').textContent").stringValue ?? ""
                #expect(line.contains("g2g "), "\(line) / \(stats["link"] ?? .null)")
            }
        }
    }
}
