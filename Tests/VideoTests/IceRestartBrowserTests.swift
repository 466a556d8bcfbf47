import BrowserControl
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The page's recovery on loopback (`docs/PAGE.md`, "When the connection breaks"): the robot's producer goes
    /// silent — SIGSTOP, as a robot whose network went away — for 6 s; the page sees its peer connection
    /// disconnected, asks for a new one (`restart`) without a reload, and decodes again from the new offer once the
    /// producer runs again. The lab's NATTraversalRecoveryTests do the same with a real uplink outage between NATs.
    ///
    /// Needs `chromium` (apt-get install chromium) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct IceRestartBrowserTests {
        let browser = BrowserTests()

        @Test func aSilentProducerIsAskedForANewConnectionAndTheVideoComesBackWithoutAReload() async throws {
            try await VideoStack.with { stack in
                let page = try await stack.chromium.open(stack.pageURL)
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(30))
                // A marker a reload would lose.
                _ = try await page.evaluate("window.recoveryMarker = 42")
                let before = try requireValue(try await page.stats(), "no stats")
                #expect(before["ice"] == "connected" && before["iceRestarts"] == 0, "\(before)")

                let pid = try requireValue(stack.producerPID(), "robotd reported no producer pid")
                let stopped = ContinuousClock.now
                kill(pid, SIGSTOP)
                let restarted: JSONValue
                do {
                    restarted = try await browser.waitForPage(page, "a restart asked for", timeout: .seconds(15)) {
                        ($0["iceRestarts"]?.intValue ?? 0) >= 1
                    }
                } catch {
                    kill(pid, SIGCONT)
                    throw error
                }
                let asked = ContinuousClock.now - stopped
                try await Task.sleep(until: stopped + .seconds(6))
                let paused = try requireValue(try await page.stats(), "no stats")
                kill(pid, SIGCONT)
                let resumed = ContinuousClock.now
                print("ice restart: producer silent → restart asked after \(asked); page then: ice \(restarted["ice"] ?? .null), overlay \(paused["overlay"] ?? .null)")

                let connections = before["peerConnections"]?.intValue ?? 1
                let decodedAtResume = paused["framesDecoded"]?.intValue ?? 0
                let back = try await browser.waitForPage(page, "decoding on a new connection", timeout: .seconds(15)) {
                    ($0["peerConnections"]?.intValue ?? 0) > connections && $0["ice"] == "connected"
                        && ($0["framesDecoded"]?.intValue ?? 0) >= 10
                }
                print(
                    """
                    ice restart: producer resumed → decoding on connection \(back["peerConnections"] ?? .null) after \
                    \(ContinuousClock.now - resumed) (restarts \(back["iceRestarts"] ?? .null), frames before the \
                    pause ended \(decodedAtResume))
                    """)
                #expect(try await page.evaluate("window.recoveryMarker") == 42, "the page was not reloaded")
                #expect(back["noRoute"] == false, "a connection that worked and came back is no 'no route': \(back)")
                let overlay = try await page.evaluate("document.getElementById('overlay').textContent")
                #expect(overlay == "", "the overlay is clear again: \(overlay)")
                #expect(
                    stack.robotd.lines().contains { $0.contains("viewer joined again: a new peer connection (restart)") },
                    "the producer rebuilt the viewer's branch for the restart")
            }
        }
    }
}
