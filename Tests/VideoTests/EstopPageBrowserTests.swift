import BrowserControl
import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The drive page's emergency stop and battery, in headless Chromium against the real robotd (simulated motors)
    /// and robot-server (``DrivePageStack``, no video): the button and Escape stop and latch the robot, the page
    /// shows the latch and holds motions back, robotd rejects a motion that still comes, and the release takes two
    /// deliberate steps.
    ///
    /// Needs `chromium` (apt-get install chromium).
    @Suite(.timeLimit(.minutes(2))) struct EstopPageBrowserTests {
        let browser = BrowserTests()

        static let rejection = #"the emergency stop is engaged; send {"action":"release"} to drive again"#

        @Test func theButtonStopsAndLatchesTheRobotAndOnlyTheTwoStepReleaseLetsItDriveAgain() async throws {
            try await DrivePageStack.with { stack in
                let server = stack.server
                let page = try await stack.open()
                try await browser.waitForPage(page, "robotd's latch, released") { $0["estop"]?["engaged"] == false }
                #expect(try await page.stats()?["estop"]?["banner"] == false)

                // Driving forward with the arrow key held.
                var mark = server.mark
                try await page.arrowUp(true)
                try await server.waitForTelemetry(after: mark, "driving forward") {
                    $0.event == .command && $0.left > 0 && $0.right > 0
                }

                // The button (on top of the page, clickable where it is shown) stops the robot and latches it.
                mark = server.mark
                let pressed = ContinuousClock.now
                try await page.click("estop")
                let engaged = try await server.waitForTelemetry(after: mark, "the latch engaged") {
                    $0.event == .estop && $0.reason == "engaged"
                }
                print("estop page: button → robotd's estop/engaged telemetry in \(ContinuousClock.now - pressed)")
                #expect(engaged.extra["estop"] == true, "\(engaged)")
                let published = server.actions(after: mark)
                #expect(published.contains { $0["action"] == "estop" }, "the page published estop: \(published)")
                try await server.waitForTelemetry(after: mark, "the motors at rest") { $0.left == 0 && $0.right == 0 }
                let latched = try await browser.waitForPage(page, "the latched banner") {
                    $0["estop"]?["banner"] == true
                }
                #expect(latched["estop"]?["engaged"] == true, "\(latched)")
                #expect(latched["estop"]?["controlsDisabled"] == true, "drive buttons shown disabled: \(latched)")
                #expect(latched["drive"]?["driving"] == false, "the held key was forgotten: \(latched)")
                try await BrowserTests.saveScreenshot(page, "estop-page.png")
                try await page.arrowUp(false)

                // A drive key now moves nothing: the page holds the motion back…
                mark = server.mark
                try await page.arrowUp(true)
                try await Task.sleep(for: .milliseconds(400))
                try await page.arrowUp(false)
                #expect(server.actions(after: mark).isEmpty, "nothing published: \(server.actions(after: mark))")
                // …and robotd rejects one that comes all the same (a page that did not know yet, a REST client).
                let status = try await page.evaluate(
                    """
                    fetch('/robots/sts-pi/publish', { method: 'POST', headers: { 'Content-Type': 'application/json',
                      Authorization: 'Bearer ' + localStorage.getItem('robot.token') },
                      body: JSON.stringify({ left: 0.5, right: 0.5, durationMs: 300, id: 'late-1' }) })
                      .then((response) => response.status)
                    """)
                #expect(status == 202, "robot-server passed the motion on: \(status)")
                let rejected = try await server.waitForTelemetry(after: mark, "the motion rejected") {
                    $0.event == .rejected && $0.id == "late-1"
                }
                #expect(rejected.reason == Self.rejection, "\(rejected)")
                let since = server.telemetry(after: mark).map { $0.0 }
                #expect(!since.contains { $0.left != 0 || $0.right != 0 }, "the robot stayed still: \(since)")

                // The release: the first button only reveals the confirmation, which goes again after 5 s.
                try await confirmationGoesAfterFiveSeconds(page, server)
                try await releaseInTwoSteps(page, server)

                // Driving again; letting go stops.
                mark = server.mark
                try await page.arrowUp(true)
                try await server.waitForTelemetry(after: mark, "driving forward again") {
                    $0.event == .command && $0.left > 0 && $0.right > 0
                }
                try await page.arrowUp(false)
                try await server.waitForTelemetry(after: mark, "stopped") { $0.event == .stopped }

                // Escape is the emergency stop too; released again, the robot is left as it was found.
                mark = server.mark
                try await page.key("keyDown", "Escape", code: 27)
                try await server.waitForTelemetry(after: mark, "the latch engaged by Escape") {
                    $0.event == .estop && $0.reason == "engaged"
                }
                try await page.key("keyUp", "Escape", code: 27)
                try await browser.waitForPage(page, "the banner again") { $0["estop"]?["banner"] == true }
                try await releaseInTwoSteps(page, server)
            }
        }

        /// The release's first step alone publishes nothing, and its confirmation goes again after 5 s.
        func confirmationGoesAfterFiveSeconds(_ page: BrowserPage, _ server: RobotServerProcess) async throws {
            let mark = server.mark
            try await page.click("estop-release")
            let revealed = ContinuousClock.now
            try await browser.waitForPage(page, "the confirmation") { $0["estop"]?["confirming"] == true }
            try await browser.waitForPage(page, "the confirmation gone", timeout: .seconds(8)) {
                $0["estop"]?["confirming"] == false
            }
            let shownFor = ContinuousClock.now - revealed
            #expect(shownFor > .milliseconds(4500), "the confirmation stayed \(shownFor)")
            let published = server.actions(after: mark)
            #expect(published.isEmpty, "nothing released yet: \(published)")
        }

        /// Release, then Confirm release: robotd's latch releases, the banner goes and the drive controls are back.
        func releaseInTwoSteps(_ page: BrowserPage, _ server: RobotServerProcess) async throws {
            let mark = server.mark
            try await page.click("estop-release")
            try await page.click("estop-release-confirm")
            try await server.waitForTelemetry(after: mark, "the latch released") {
                $0.event == .estop && $0.reason == "released"
            }
            let released = try await browser.waitForPage(page, "the banner gone") {
                $0["estop"]?["engaged"] == false && $0["estop"]?["banner"] == false
            }
            #expect(released["estop"]?["controlsDisabled"] == false, "controls back: \(released)")
        }
    }
}
