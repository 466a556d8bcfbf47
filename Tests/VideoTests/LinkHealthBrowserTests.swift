import BrowserControl
import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The page's link-health line (`#link`, `robotPage.stats().link`) against the real stack: numbers from the
    /// browser's own WebRTC statistics, and the drive round trip from a command the page publishes to the robot's
    /// telemetry echoing its id.
    ///
    /// Needs `chromium` (apt-get install chromium) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct LinkHealthBrowserTests {
        /// The page helpers BrowserTests already has (waiting for frames, stats, a stop).
        let browser = BrowserTests()

        @Test func theLinkLineShowsRealNumbersAndTheDriveRoundTrip() async throws {
            try await VideoStack.with { stack in
                let page = try await stack.chromium.open(stack.pageURL)
                _ = try await browser.waitForFrames(page, atLeast: 60, timeout: .seconds(20))

                // The line fills once a second from getStats(): frame rate, size, round-trip time, bitrate.
                let stats = try await browser.waitForPage(page, "the link's numbers") { stats in
                    let link = stats["link"]
                    return (link?["fps"]?.doubleValue ?? 0) > 0 && (link?["bitrateKbps"]?.doubleValue ?? 0) > 0
                        && link?["rttMs"]?.doubleValue != nil
                }
                let link = try requireValue(stats["link"], "no link in \(stats)")
                #expect(link["width"] == 640 && link["height"] == 480, "\(link)")
                #expect((link["rttMs"]?.doubleValue ?? -1) >= 0, "RTT is a number: \(link)")
                #expect(link["lossPercent"]?.doubleValue != nil && link["freezeCount"]?.doubleValue != nil, "\(link)")
                #expect(link["glassToGlassMs"] == .null, "no probe without ?probe=1: \(link)")
                let line = try await page.evaluate("document.getElementById('link').textContent").stringValue ?? ""
                for part in ["RTT ", " fps 640×480", " kbit/s", "loss ", "freezes "] {
                    #expect(line.contains(part), "the line says \(part): \(line)")
                }
                let details = try await page.evaluate("document.querySelectorAll('#link-details dt').length")
                #expect((details.intValue ?? 0) >= 10, "the details list every number (\(details))")

                // Driving from the page: every command carries an id, and its telemetry gives the round trip.
                let mark = stack.mark
                try await page.key("keyDown", "ArrowUp", code: 38)
                try await stack.waitForTelemetry(after: mark, "moving forward") {
                    $0.event == .command && $0.left > 0 && $0.id?.hasPrefix("p") == true
                }
                try await page.key("keyUp", "ArrowUp", code: 38)
                try await browser.expectStopped(stack, after: mark)
                let ids = stack.actions(after: mark).map { $0["id"]?.stringValue ?? "" }
                #expect(!ids.isEmpty && ids.allSatisfy { $0.hasPrefix("p") }, "every command has the page's id: \(ids)")
                #expect(Set(ids).count == ids.count, "ids are unique: \(ids)")
                let driven = try await browser.waitForPage(page, "the drive round trip") {
                    ($0["link"]?["driveRoundTripMs"]?.doubleValue ?? 0) > 0
                }
                let roundTrip = driven["link"]?["driveRoundTripMs"]?.doubleValue ?? -1
                #expect(roundTrip < 2000, "a local round trip takes well under 2 s: \(roundTrip) ms")
                try await browser.waitFor("the line shows the drive round trip") {
                    (try await page.evaluate("document.getElementById('link').textContent").stringValue ?? "")
                        .contains("drive ")
                }
                let shown = try await page.evaluate("document.getElementById('link').textContent").stringValue ?? ""
                print("link health: \(shown); drive round trip \(roundTrip) ms (REST publish → command telemetry)")
            }
        }
    }
}
