import BrowserControl
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The page's sound controls against the real stack (robot-webrtc with `--audio-source test`): where the browser
    /// refuses sound without a user gesture, the page plays muted, shows `#unmute-hint`, and one click on `#mute`
    /// turns the sound on; mute and volume are remembered across a reload.
    ///
    /// The test browser allows sound (`--autoplay-policy=no-user-gesture-required`), so the refusal is Chromium's
    /// own rule played by a script that runs before the page: `play()` on an unmuted element is refused with
    /// `NotAllowedError` until the first pointer press. Needs `chromium` and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct UnmuteAudioBrowserTests {
        let browser = BrowserTests()

        static let autoplayPolicy = """
            window.userGesture = false;
            window.addEventListener('pointerdown', () => { window.userGesture = true; }, true);
            const realPlay = HTMLMediaElement.prototype.play;
            HTMLMediaElement.prototype.play = function () {
              if (!this.muted && !window.userGesture) {
                return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
              }
              return realPlay.call(this);
            };
            """

        func element(_ page: BrowserPage, _ expression: String) async throws -> JSONValue {
            try await page.evaluate(
                "(() => { const video = document.getElementById('video'); return \(expression); })()")
        }

        @Test func thePagePlaysMutedWhenSoundIsRefusedAndOneClickUnmutes() async throws {
            try await VideoStack.with(producerArguments: ["--audio-source", "test"]) { stack in
                let page = try await stack.chromium.open("about:blank")
                try await page.call("Page.addScriptToEvaluateOnNewDocument", ["source": .string(Self.autoplayPolicy)])
                try await page.call("Page.navigate", ["url": .string(stack.pageURL)])
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(20))
                try await browser.waitForPage(page, "the robot's audio") {
                    ($0["audio"]?["totalSamplesReceived"]?.doubleValue ?? 0) > 0
                }

                // Refused: playing muted, the hint says how to unmute.
                try await browser.waitFor("the unmute hint") {
                    try await element(page, "!document.getElementById('unmute-hint').hidden") == true
                }
                #expect(try await element(page, "[video.muted, video.paused]") == [true, false], "playing, muted")
                #expect(try await element(page, "document.getElementById('mute').textContent") == "🔇")
                let hint = try await element(page, "document.getElementById('unmute-hint').textContent")
                #expect(hint == "Sound is off: click 🔇 to hear the robot", "\(hint)")
                #expect(
                    try await element(page, "document.getElementById('talk-controls').hidden") == true,
                    "no talk button: this robot has no speaker (its audio m-line is sendonly)")

                // One click on the mute button: sound on, the hint gone, still playing.
                _ = try await element(page, "document.getElementById('mute').scrollIntoView({block: 'center'})")
                let mute = try await page.centre(of: "#mute")
                try await page.mouse("mousePressed", x: mute.x, y: mute.y)
                try await page.mouse("mouseReleased", x: mute.x, y: mute.y)
                try await browser.waitFor("sound on") {
                    try await element(page, "[video.muted, video.paused]") == [false, false]
                }
                #expect(try await element(page, "document.getElementById('unmute-hint').hidden") == true)
                #expect(try await element(page, "document.getElementById('mute').textContent") == "🔊")

                // Muted by choice and a lower volume: remembered across a reload, no hint for a chosen silence.
                _ = try await element(page, "document.getElementById('mute').click()")
                _ = try await element(
                    page,
                    "(() => { const range = document.getElementById('volume'); range.value = '0.25'; "
                        + "range.dispatchEvent(new Event('input')); return true; })()")
                let chosen = try await element(
                    page, "[video.muted, video.volume, document.getElementById('mute').textContent]")
                #expect(chosen == [true, 0.25, "🔇"], "\(chosen)")
                try await page.call("Page.reload")
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(20))
                try await browser.waitForPage(page, "the robot's audio after the reload") {
                    ($0["audio"]?["tracks"]?.intValue ?? 0) > 0
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await element(page, "[video.muted, video.volume, video.paused]") == [true, 0.25, false])
                #expect(try await element(page, "document.getElementById('unmute-hint').hidden") == true)
                #expect(try await element(page, "document.getElementById('volume').value") == "0.25")
            }
        }
    }
}
