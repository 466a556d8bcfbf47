import BrowserControl
import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The drive page in Debian's headless Chromium, against the real stack (``VideoStack``): video decoded
    /// from the robot's producer, driving through the page's controls, several viewers, a producer restart.
    ///
    /// Needs `chromium` (apt-get install chromium) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(3))) struct BrowserTests {
        /// Where screenshots and measured timings go (under .build, never committed).
        static let artifacts = RepositoryPaths.root.appending(path: ".build/test-artifacts")

        @Test func thePageShowsTheCameraAndItsControlsDriveTheRobot() async throws {
            try await VideoStack.with { stack in
                let opened = ContinuousClock.now
                let page = try await stack.chromium.open(stack.pageURL)

                // At least 100 frames decoded within 10 s of opening the page.
                let (stats, firstSeen) = try await waitForFrames(page, atLeast: 100, timeout: .seconds(20))
                let elapsed = ContinuousClock.now - opened
                #expect(elapsed < .seconds(10), "100 frames took \(elapsed) from opening the page")
                #expect(stats["width"] == 640 && stats["height"] == 480, "\(stats)")
                let firstFrameMs = stats["firstFrameMs"]?.doubleValue ?? -1
                #expect(firstFrameMs > 0, "the page saw a first frame: \(stats)")
                try await expectPaintedFrame(page)
                let shot = try await page.screenshot()
                try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
                try shot.write(to: Self.artifacts.appending(path: "drive-page.png"))
                #expect(
                    shot.count > 10_000, "a screenshot with a picture in it, not a blank page (\(shot.count) bytes)")

                // Producer cost while one viewer watches 640×480 at 30 fps.
                let producer = try requireValue(stack.producerPID(), "robotd reported no producer pid")
                let before = VideoStack.usage(of: producer)
                try await Task.sleep(for: .seconds(5))
                let after = VideoStack.usage(of: producer)
                let cpu = before.flatMap { b in after.map { Double($0.ticks - b.ticks) / 100 / 5 * 100 } } ?? -1
                let timings =
                    "page open → first decoded frame: \(Int(firstFrameMs)) ms (navigation start, page clock); "
                    + "first framesDecoded > 0 seen by the test after \(firstSeen); 100 frames after \(elapsed); "
                    + "producer (1 viewer, 640×480@30, x264/openh264 per robot-webrtc): CPU \(Int(cpu)) % of one "
                    + "core, RSS \((after?.rssKiB ?? 0) / 1024) MiB"
                print("browser timings: \(timings)")
                try timings.write(
                    to: Self.artifacts.appending(path: "drive-page-timings.txt"), atomically: true, encoding: .utf8)

                // Holding the forward button drives; releasing stops.
                let forward = try await page.centre(of: ".drive[data-direction=\"forward\"]")
                var mark = stack.mark
                try await page.mouse("mousePressed", x: forward.x, y: forward.y)
                try await stack.waitForTelemetry(after: mark, "moving forward") {
                    $0.event == .command && $0.left > 0 && $0.right > 0 && $0.left == $0.right
                }
                try await Task.sleep(for: .milliseconds(800))
                let held = stack.actions(after: mark).count
                #expect(held >= 5, "commands keep coming while the button is held (\(held) in ~1 s)")
                try await page.mouse("mouseReleased", x: forward.x, y: forward.y)
                try await expectStopped(stack, after: mark)
                try await waitForPage(page, "the page shows the robot's state from telemetry") { stats in
                    stats["telemetry"]?["event"] == "stopped" || stats["telemetry"]?["left"] == 0
                }

                // The arrow keys drive too.
                mark = stack.mark
                try await page.key("keyDown", "ArrowLeft", code: 37)
                try await stack.waitForTelemetry(after: mark, "turning left") {
                    $0.event == .command && $0.left < 0 && $0.right > 0
                }
                try await page.key("keyUp", "ArrowLeft", code: 37)
                try await expectStopped(stack, after: mark)

                // The joystick: up and to the right curves right. (It sits low on the page, under the banners above the
                // video: scrolled into view first, as a person would.)
                _ = try await page.evaluate("document.getElementById('joystick').scrollIntoView({block: 'center'})")
                let pad = try await page.centre(of: "#joystick")
                let radius =
                    try await page.evaluate("document.getElementById('joystick').offsetWidth / 2")
                    .doubleValue ?? 100
                mark = stack.mark
                try await page.mouse("mousePressed", x: pad.x, y: pad.y)
                try await page.mouse("mouseMoved", x: pad.x + radius * 0.5, y: pad.y - radius * 0.7)
                try await stack.waitForTelemetry(after: mark, "curving right") {
                    $0.event == .command && $0.left > $0.right && $0.left > 0
                }
                let moves = stack.actions(after: mark).filter { $0["left"] != nil }
                #expect(moves.allSatisfy { $0["durationMs"] == 300 }, "joystick commands hold 300 ms: \(moves)")
                try await page.mouse("mouseReleased", x: pad.x + radius * 0.5, y: pad.y - radius * 0.7)
                try await expectStopped(stack, after: mark)

                // On a phone: the page fits, and a finger on the joystick drives (backwards, here) and stops.
                try await page.emulatePhone()
                _ = try await page.evaluate("document.getElementById('joystick').scrollIntoView({block: 'center'})")
                let finger = try await page.centre(of: "#joystick")
                let fingerRadius =
                    try await page.evaluate("document.getElementById('joystick').offsetWidth / 2").doubleValue ?? 80
                let overflow = try await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                #expect(overflow.intValue == 0, "no sideways scrolling on a phone (\(overflow) px too wide)")
                mark = stack.mark
                try await page.touch("touchStart", x: finger.x, y: finger.y)
                try await page.touch("touchMove", x: finger.x, y: finger.y + fingerRadius * 0.8)
                try await stack.waitForTelemetry(after: mark, "backing up") {
                    $0.event == .command && $0.left < 0 && $0.right < 0
                }
                try await page.screenshot().write(to: Self.artifacts.appending(path: "drive-page-phone.png"))
                try await page.touch("touchEnd", x: finger.x, y: finger.y + fingerRadius * 0.8)
                try await expectStopped(stack, after: mark)
            }
        }

        /// A `#token=` link never silently replaces a different token the browser holds: the page asks, Cancel
        /// keeps the saved token, OK takes the link's; the same token, or none saved, needs no question.
        @Test func aTokenLinkAsksBeforeReplacingADifferentSavedToken() async throws {
            let server = try await SignalingServer.start()
            let chromium: Chromium
            do { chromium = try await Chromium.start() } catch {
                await server.stop()
                throw error
            }
            defer { Task { await chromium.stop(); await server.stop() } }
            let saved = "localStorage.getItem('robot.token')"

            // Nothing saved yet: the link's token is taken without a question, and leaves the address bar.
            let first = try await chromium.open("\(server.baseURL)/#token=\(SignalingServer.homeToken)")
            try await waitFor("the home token is saved") {
                try await first.evaluate(saved) == .string(SignalingServer.homeToken)
            }
            #expect(try await first.evaluate("location.hash") == "")
            #expect(first.dialogs.isEmpty, "no question without a saved token: \(first.dialogs)")

            // A different token in a link: asked, and Cancel keeps the saved one.
            let other = "\(server.baseURL)/#token=\(SignalingServer.viewerToken)"
            let declined = try await chromium.open(other)
            let question = try await declined.dialog()
            #expect(question["type"] == "confirm", "\(question)")
            #expect(question["message"]?.stringValue?.contains("different access token") == true, "\(question)")
            try await declined.answerDialog(accept: false)
            try await waitForPage(declined, "the page ran on after the question") { $0["robot"] == "sts-pi" }
            #expect(try await declined.evaluate(saved) == .string(SignalingServer.homeToken), "Cancel keeps it")
            #expect(try await declined.evaluate("location.hash") == "", "the link's token leaves the address bar")

            // OK takes the link's token.
            let accepted = try await chromium.open(other)
            _ = try await accepted.dialog()
            try await accepted.answerDialog(accept: true)
            try await waitFor("the viewer token is saved") {
                try await accepted.evaluate(saved) == .string(SignalingServer.viewerToken)
            }

            // The same token again: no question.
            let same = try await chromium.open(other)
            try await waitForPage(same, "the page ran") { $0["robot"] == "sts-pi" }
            #expect(same.dialogs.isEmpty, "the saved token is the link's: \(same.dialogs)")
        }

        @Test func twoViewersWatchAndThePageReconnectsAfterTheProducerRestarts() async throws {
            try await VideoStack.with { stack in
                let first = try await stack.chromium.open(stack.pageURL)
                let second = try await stack.chromium.open(stack.pageURL)
                _ = try await waitForFrames(first, atLeast: 60, timeout: .seconds(30))
                _ = try await waitForFrames(second, atLeast: 60, timeout: .seconds(30))

                // One viewer leaves; the other keeps its peer connection and keeps decoding.
                let before = try requireValue(try await first.stats(), "no stats")
                try await second.close()
                try await Task.sleep(for: .seconds(3))
                let after = try requireValue(try await first.stats(), "no stats")
                let decoded = (after["framesDecoded"]?.intValue ?? 0) - (before["framesDecoded"]?.intValue ?? 0)
                #expect(decoded >= 30, "the remaining viewer decoded \(decoded) frames in 3 s")
                #expect(after["peerConnections"] == before["peerConnections"], "no reconnection: \(after)")
                #expect(after["connectionState"] == "connected", "\(after)")

                // The producer dies; robotd starts a new one; the page answers its offer and decodes again.
                let pid = try requireValue(stack.producerPID(), "robotd reported no producer pid")
                let mark = stack.mark
                let killed = ContinuousClock.now
                kill(pid, SIGKILL)
                try await stack.waitForTelemetry(after: mark, "a restarted producer", timeout: .seconds(20)) {
                    $0.event == .video && $0.reason == "started" && $0.extra["pid"]?.intValue != Int(pid)
                }
                let connections = before["peerConnections"]?.intValue ?? 1
                let stats = try await waitForPage(first, "decoding from the new producer", timeout: .seconds(30)) {
                    ($0["peerConnections"]?.intValue ?? 0) > connections && ($0["framesDecoded"]?.intValue ?? 0) >= 30
                }
                let recovered = ContinuousClock.now - killed
                print("browser timings: producer killed → page decoding 30 frames again: \(recovered)")
                #expect(stats["connectionState"] == "connected", "\(stats)")
            }
        }

        // MARK: helpers

        /// Polls the page's stats until `framesDecoded` reaches `count`; returns them and when the first
        /// decoded frame was seen (since the call).
        func waitForFrames(_ page: BrowserPage, atLeast count: Int, timeout: Duration) async throws
            -> (JSONValue, Duration)
        {
            let started = ContinuousClock.now
            var firstSeen: Duration?
            var last: JSONValue = .null
            while ContinuousClock.now - started < timeout {
                if let stats = try await page.stats() {
                    last = stats
                    let decoded = stats["framesDecoded"]?.intValue ?? 0
                    if decoded > 0, firstSeen == nil { firstSeen = ContinuousClock.now - started }
                    if decoded >= count { return (stats, firstSeen ?? .zero) }
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TestSupportError("the page decoded fewer than \(count) frames in \(timeout); stats: \(last)")
        }

        /// Polls `condition` every 100 ms until it holds.
        func waitFor(
            _ description: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
        ) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestSupportError("never: \(description) (waited \(timeout))")
        }

        /// Polls the page's stats until `match` is true.
        @discardableResult
        func waitForPage(
            _ page: BrowserPage, _ description: String, timeout: Duration = .seconds(10),
            until match: (JSONValue) -> Bool
        ) async throws -> JSONValue {
            let deadline = ContinuousClock.now + timeout
            var last: JSONValue = .null
            while ContinuousClock.now < deadline {
                if let stats = try await page.stats() {
                    last = stats
                    if match(stats) { return stats }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestSupportError("the page never showed \(description) in \(timeout); stats: \(last)")
        }

        /// The video element holds a real picture: drawn into a canvas, it has many different colours
        /// (videotestsrc's bars), not one.
        func expectPaintedFrame(_ page: BrowserPage) async throws {
            let colours = try await page.evaluate(
                """
                (() => {
                  const video = document.getElementById('video');
                  if (!video.videoWidth) return 0;
                  const canvas = document.createElement('canvas');
                  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
                  const context = canvas.getContext('2d');
                  context.drawImage(video, 0, 0);
                  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
                  const seen = new Set();
                  for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] >> 4) << 8 | (data[i + 1] >> 4) << 4 | (data[i + 2] >> 4));
                  return seen.size;
                })()
                """)
            #expect((colours.intValue ?? 0) >= 6, "the video shows a picture with several colours (\(colours))")
        }

        /// After a release: the page published `stop`, and the robot's motors are stopped.
        func expectStopped(_ stack: VideoStack, after mark: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while !stack.actions(after: mark).contains(where: { $0["action"] == "stop" }) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("the page published no stop after the release: \(stack.actions(after: mark))")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            try await stack.waitForTelemetry(after: mark, "stopped") { $0.event == .stopped }
            // No command comes after the stop: the last thing the robot reports is standing still.
            try await Task.sleep(for: .milliseconds(500))
            let last = try requireValue(stack.telemetry(after: mark).last?.0, "no telemetry")
            #expect(last.left == 0 && last.right == 0, "the robot stands still after the release: \(last)")
        }
    }
}
