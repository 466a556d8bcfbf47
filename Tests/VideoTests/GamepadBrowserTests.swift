import BrowserControl
import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// Driving with a gamepad, against the real stack: a scripted pad (standard mapping) injected into the page as
    /// the spec says — `navigator.getGamepads` replaced, `gamepadconnected`/`gamepaddisconnected` dispatched — runs
    /// the page's real gamepad code, and the simulated robot's telemetry says what it did.
    ///
    /// Needs `chromium` (apt-get install chromium) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct GamepadBrowserTests {
        let browser = BrowserTests()

        /// Plugs a scripted pad into the page: `window.scriptedPad`, all axes centred, no button pressed.
        static let plugIn = """
            (() => {
              const pad = { id: 'Scripted pad (STANDARD GAMEPAD)', index: 0, connected: true, mapping: 'standard',
                axes: [0, 0, 0, 0], buttons: Array.from({ length: 17 }, () => ({ pressed: false, value: 0 })),
                timestamp: performance.now() };
              window.scriptedPad = pad;
              navigator.getGamepads = () => [pad];
              const event = new Event('gamepadconnected');
              event.gamepad = pad;
              window.dispatchEvent(event);
              return true;
            })()
            """

        /// Sets the left stick's forward axis (−1 = full forward) and the LB dead-man button.
        func pad(_ page: BrowserPage, forward: Double, deadman: Bool) async throws {
            _ = try await page.evaluate(
                """
                (() => {
                  const pad = window.scriptedPad;
                  pad.axes[1] = \(-forward);
                  pad.buttons[4] = { pressed: \(deadman), value: \(deadman ? 1 : 0) };
                  pad.timestamp = performance.now();
                  return true;
                })()
                """)
        }

        func moves(_ stack: VideoStack, after mark: Int) -> [JSONValue] {
            stack.actions(after: mark).filter { $0["left"] != nil }
        }

        func drivingForward(_ stack: VideoStack, after mark: Int) async throws {
            try await stack.waitForTelemetry(after: mark, "driving forward from the pad") {
                $0.event == .command && $0.left > 0 && $0.right > 0
            }
        }

        @Test func theStickDrivesOnlyWhileTheDeadManIsHeldAndEveryWayOfLettingGoStops() async throws {
            try await VideoStack.with { stack in
                let page = try await stack.chromium.open(stack.pageURL)
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(20))
                #expect(try await page.stats()?["gamepad"]?["connected"] == false)

                _ = try await page.evaluate(Self.plugIn)
                let plugged = try await browser.waitForPage(page, "the pad connected") {
                    $0["gamepad"]?["connected"] == true
                }
                #expect(plugged["gamepad"]?["id"] == "Scripted pad (STANDARD GAMEPAD)", "\(plugged)")
                let status = try await page.evaluate("document.getElementById('gamepad-status').textContent")
                #expect(status == "Gamepad: Scripted pad (STANDARD GAMEPAD) — hold LB/RB to drive", "\(status)")

                // Stick forward without the dead-man: nothing is published.
                var mark = stack.mark
                try await pad(page, forward: 1, deadman: false)
                try await Task.sleep(for: .seconds(1))
                #expect(
                    stack.actions(after: mark).isEmpty, "no command without the dead-man: \(stack.actions(after: mark))"
                )

                // With the dead-man held the robot drives, at 20 commands a second.
                try await pad(page, forward: 1, deadman: true)
                try await drivingForward(stack, after: mark)
                #expect(try await page.stats()?["gamepad"]?["deadman"] == true)
                let counted = stack.mark
                try await Task.sleep(for: .seconds(1))
                let perSecond = moves(stack, after: counted)
                print("gamepad: \(perSecond.count) commands published in 1 s with the dead-man held")
                #expect((12...25).contains(perSecond.count), "commands in 1 s while held: \(perSecond.count)")
                #expect(
                    perSecond.allSatisfy { ($0["left"]?.doubleValue ?? 0) > 0 && $0["durationMs"] == 300 },
                    "forward commands that hold 300 ms: \(perSecond)")

                // Releasing the dead-man publishes stop, and the robot stops.
                try await pad(page, forward: 1, deadman: false)
                try await browser.expectStopped(stack, after: mark)

                // Losing focus stops; the dead-man, still held, must be let go and pressed again.
                mark = stack.mark
                try await pad(page, forward: 1, deadman: true)
                try await drivingForward(stack, after: mark)
                _ = try await page.evaluate("window.dispatchEvent(new Event('blur'))")
                try await browser.expectStopped(stack, after: mark)
                let blurred = stack.mark
                try await Task.sleep(for: .milliseconds(500))
                #expect(moves(stack, after: blurred).isEmpty, "a held dead-man does not drive again after a blur")
                try await pad(page, forward: 1, deadman: false)
                try await Task.sleep(for: .milliseconds(200))

                // Held again, then the pad is unplugged: stop.
                mark = stack.mark
                try await pad(page, forward: 1, deadman: true)
                try await drivingForward(stack, after: mark)
                _ = try await page.evaluate(
                    """
                    (() => {
                      navigator.getGamepads = () => [];
                      const event = new Event('gamepaddisconnected');
                      event.gamepad = window.scriptedPad;
                      window.dispatchEvent(event);
                      return true;
                    })()
                    """)
                try await browser.expectStopped(stack, after: mark)
                let unplugged = try await browser.waitForPage(page, "the pad gone") {
                    $0["gamepad"]?["connected"] == false
                }
                #expect(unplugged["gamepad"]?["id"] == .null, "\(unplugged)")
                #expect(try await page.evaluate("document.getElementById('gamepad-status').textContent") == "")

                // A pad that vanishes from getGamepads() without an event stops the robot too.
                _ = try await page.evaluate(Self.plugIn)
                try await browser.waitForPage(page, "the pad back") { $0["gamepad"]?["connected"] == true }
                mark = stack.mark
                try await pad(page, forward: 1, deadman: true)
                try await drivingForward(stack, after: mark)
                _ = try await page.evaluate("navigator.getGamepads = () => []; true")
                try await browser.expectStopped(stack, after: mark)
                try await browser.waitForPage(page, "the vanished pad gone") { $0["gamepad"]?["connected"] == false }
            }
        }
    }
}
