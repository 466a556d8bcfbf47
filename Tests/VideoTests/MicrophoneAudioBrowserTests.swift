import BrowserControl
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The page's side of push to talk that AudioBrowserTests does not cover, against the real stack (robot-webrtc
    /// with a test tone and a speaker writing a WAV): a microphone that cannot be opened is said plainly and gives the
    /// floor back; the toggle mode talks on one click; losing focus releases the floor.
    ///
    /// Needs `chromium` (its fake microphone) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct MicrophoneAudioBrowserTests {
        let browser = BrowserTests()

        @Test func aMissingMicrophoneIsSaidPlainlyAndToggleAndBlurWork() async throws {
            let folder = try ScratchDirectory.make("microphone")
            let speaker = folder.appending(path: "speaker.wav").path
            try await VideoStack.with(producerArguments: ["--audio-source", "test", "--audio-sink", "file:\(speaker)"])
            {
                stack in
                let page = try await stack.chromium.open(stack.pageURL)
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(20))
                try await browser.waitFor("the talk button (the robot has a speaker)") {
                    try await page.evaluate("document.getElementById('talk-controls').hidden") == false
                }
                let status = "document.getElementById('talk-status').textContent"

                // No microphone: getUserMedia fails as it does on a machine without one.
                _ = try await page.evaluate(
                    """
                    (() => {
                      window.realGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
                      navigator.mediaDevices.getUserMedia = () =>
                        Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
                      document.getElementById('talk').scrollIntoView({ block: 'center' });
                      return true;
                    })()
                    """)
                let talk = try await page.centre(of: "#talk")
                try await page.mouse("mousePressed", x: talk.x, y: talk.y)
                try await browser.waitFor("the microphone error") {
                    try await page.evaluate(status) == "No microphone: Requested device not found"
                }
                let refused = try await browser.waitForPage(page, "the floor given back") {
                    $0["talker"] == .null && $0["talking"] == false
                }
                #expect(refused["peer"]?.stringValue?.isEmpty == false, "\(refused)")
                try await page.mouse("mouseReleased", x: talk.x, y: talk.y)

                // Toggle mode: one click talks (the fake microphone), the talker is this page.
                _ = try await page.evaluate(
                    """
                    (() => {
                      navigator.mediaDevices.getUserMedia = window.realGetUserMedia;
                      document.getElementById('talk-toggle').click();
                      document.getElementById('talk').click();
                      return true;
                    })()
                    """)
                let talking = try await browser.waitForPage(page, "talking after one click") { $0["talking"] == true }
                #expect(talking["talker"] == talking["peer"], "\(talking)")
                #expect(try await page.evaluate(status) == "You are talking")

                // Losing focus releases the floor and the microphone.
                _ = try await page.evaluate("window.dispatchEvent(new Event('blur'))")
                try await browser.waitForPage(page, "released on blur") {
                    $0["talking"] == false && $0["talker"] == .null
                }
                #expect(try await page.evaluate(status) == "")
                #expect(
                    try await page.evaluate("document.getElementById('talk').getAttribute('aria-pressed')") == "false")
            }
        }
    }
}
