import BrowserControl
import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// Who drives, on the page: Chromiums (one profile each) with the tokens of three principals, `home`, `bob` and
    /// the admin `fleet`, against the real robotd (simulated motors) and robot-server's control lease
    /// (``DrivePageStack``, no video). One drives, the other sees who and is refused, asks, is handed control and
    /// drives; an admin takes over.
    ///
    /// Needs `chromium` (apt-get install chromium).
    @Suite(.timeLimit(.minutes(2))) struct ControlPageBrowserTests {
        let browser = BrowserTests()

        func forward(_ server: RobotServerProcess, after mark: Int) async throws {
            try await server.waitForTelemetry(after: mark, "driving forward") {
                $0.event == .command && $0.left > 0 && $0.right > 0
            }
        }

        @Test func oneDrivesTheOtherIsRefusedAsksAndIsHandedControlAndAnAdminTakesOver() async throws {
            try await DrivePageStack.with(browsers: 3) { stack in
                let server = stack.server
                let home = try await stack.open(RobotServerProcess.homeToken, browser: 0)
                let bob = try await stack.open(DrivePageStack.bobToken, browser: 1)
                for page in [home, bob] {
                    let free = try await browser.waitForPage(page, "the control banner") {
                        $0["control"]?["known"] == true
                    }
                    #expect(free["control"]?["holder"] == .null, "nobody drives yet: \(free)")
                    #expect(free["control"]?["text"] == "Nobody is driving", "\(free)")
                }

                // home drives and holds the lease; bob's page says so and offers to ask.
                var mark = server.mark
                try await home.arrowUp(true)
                try await forward(server, after: mark)
                let driving = try await browser.waitForPage(home, "home driving") {
                    $0["control"]?["you"]?["driving"] == true
                }
                #expect(driving["control"]?["text"] == "You are driving", "\(driving)")
                let watching = try await browser.waitForPage(bob, "home named as the driver") {
                    $0["control"]?["holder"]?["name"] == "home"
                }
                #expect(watching["control"]?["text"] == "home is driving", "\(watching)")
                #expect(
                    watching["control"]?["buttons"] == ["control-request"], "bob may ask, not take over: \(watching)")
                try await home.arrowUp(false)
                try await server.waitForTelemetry(after: mark, "stopped") { $0.event == .stopped }

                // bob drives: robot-server refuses (409), the page shows why, and nothing reaches the robot.
                mark = server.mark
                let tried = try await bob.stats()?["drive"]?["motions"]?.intValue ?? -1
                try await bob.arrowUp(true)
                let refused = try await browser.waitForPage(bob, "the refusal") {
                    ($0["control"]?["refusal"]?.stringValue ?? "").contains("409")
                }
                let refusal = refused["control"]?["refusal"]?.stringValue ?? ""
                #expect(refusal.contains("control held") && refusal.contains("home is driving sts-pi"), "\(refusal)")
                #expect(refused["control"]?["buttons"] == ["control-request"], "\(refused)")
                try await Task.sleep(for: .milliseconds(400))
                try await bob.arrowUp(false)
                try await Task.sleep(for: .milliseconds(200))
                #expect(
                    server.actions(after: mark).isEmpty, "bob's page published nothing: \(server.actions(after: mark))")
                let triedAfter = try await bob.stats()?["drive"]?["motions"]?.intValue ?? -1
                #expect(
                    triedAfter == tried + 1, "one try for the whole press, not one per tick: \(tried) → \(triedAfter)")

                // bob asks; home's page shows the request, and home hands over.
                try await bob.click("control-request")
                let asking = try await browser.waitForPage(bob, "bob's request noted") {
                    $0["control"]?["request"]?["name"] == "bob"
                }
                #expect(asking["control"]?["buttons"] == [], "no second request button: \(asking)")
                let asked = try await browser.waitForPage(home, "the request on home's page") {
                    $0["control"]?["request"]?["name"] == "bob"
                }
                #expect(asked["control"]?["text"] == "You are driving — bob asks for control", "\(asked)")
                #expect(asked["control"]?["buttons"] == ["control-handover", "control-decline"], "\(asked)")
                try await BrowserTests.saveScreenshot(home, "control-page-asked.png")
                try await home.click("control-handover")
                let handed = try await browser.waitForPage(bob, "bob driving") {
                    $0["control"]?["you"]?["driving"] == true
                }
                #expect(handed["control"]?["text"] == "You are driving", "\(handed)")
                #expect(handed["control"]?["refusal"] == "", "the old refusal is gone: \(handed)")
                let handedOver = try await browser.waitForPage(home, "bob named as the driver on home's page") {
                    $0["control"]?["holder"]?["name"] == "bob"
                }
                #expect(handedOver["control"]?["you"]?["driving"] == false, "\(handedOver)")

                // bob drives now; home's page holds its motions back after the one refused try.
                mark = server.mark
                try await bob.arrowUp(true)
                try await forward(server, after: mark)
                try await bob.arrowUp(false)
                try await server.waitForTelemetry(after: mark, "bob stopped") { $0.event == .stopped }
                mark = server.mark
                try await home.arrowUp(true)
                try await browser.waitForPage(home, "home refused") {
                    ($0["control"]?["refusal"]?.stringValue ?? "").contains("bob is driving sts-pi")
                }
                try await Task.sleep(for: .milliseconds(300))
                try await home.arrowUp(false)
                #expect(
                    server.actions(after: mark).isEmpty, "home's page published nothing: \(server.actions(after: mark))"
                )

                // An admin (the fleet token) is offered Take over, and takes the lease at once.
                let fleet = try await stack.open(RobotServerProcess.fleetToken, browser: 2)
                let admin = try await browser.waitForPage(fleet, "bob named as the driver on the admin's page") {
                    $0["control"]?["holder"]?["name"] == "bob"
                }
                #expect(admin["control"]?["buttons"] == ["control-request", "control-takeover"], "\(admin)")
                try await fleet.click("control-takeover")
                try await browser.waitForPage(fleet, "the admin driving") { $0["control"]?["you"]?["driving"] == true }
                try await browser.waitForPage(bob, "fleet named as the driver on bob's page") {
                    $0["control"]?["holder"]?["name"] == "fleet"
                }
            }
        }
    }
}
