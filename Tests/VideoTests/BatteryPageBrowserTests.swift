import BrowserControl
import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The battery on the drive page, in headless Chromium against the real robotd reading its simulated battery
    /// sensor and robot-server (``DrivePageStack``, no video): the heartbeat's reading shows in the header, with the
    /// low warning.
    ///
    /// Needs `chromium` (apt-get install chromium).
    @Suite(.timeLimit(.minutes(2))) struct BatteryPageBrowserTests {
        let browser = BrowserTests()

        /// 6.4 V on a 2S pack (6.0 V empty, 8.4 V full: 17 %), below its 6.8 V threshold.
        static let lowBattery =
            #""battery":{"sensor":"simulated","volts":6.4,"lowVolts":6.8,"fullVolts":8.4,"emptyVolts":6.0}"#

        @Test func theHeartbeatsReadingShowsWithTheLowWarning() async throws {
            try await DrivePageStack.with(robotSections: Self.lowBattery) { stack in
                let server = stack.server
                let heartbeat = try await server.waitForTelemetry(after: 0, "a heartbeat with the battery") {
                    $0.event == .heartbeat && $0.extra["battery"] != nil
                }
                #expect(heartbeat.extra["battery"]?["low"] == true, "\(heartbeat)")
                let page = try await stack.open()
                let shown = try await browser.waitForPage(page, "the battery") { $0["battery"]?["shown"] == true }
                let battery = try requireValue(shown["battery"], "no battery in \(shown)")
                #expect(battery["volts"] == 6.4 && battery["low"] == true && battery["warning"] == true, "\(battery)")
                #expect(battery["amps"] == .null, "the simulated sensor measures no current: \(battery)")
                let text = try await page.evaluate("document.getElementById('battery-text').textContent")
                #expect(text == "Battery 6.40 V · 17 %", "\(text)")
                let warned = try await page.evaluate(
                    """
                    (() => { const b = document.getElementById('battery'); const w = document.getElementById('battery-low');
                      return b.classList.contains('low') && w.textContent === 'Battery low' && w.offsetWidth > 0; })()
                    """)
                #expect(warned == true, "#battery has the class low and shows Battery low")
            }
        }
    }
}
