import BrowserControl
import Foundation
import Synchronization
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// Sound through the robot, in headless Chromium against the real stack (``VideoStack``): the viewer hears the
    /// robot's test tone, and push to talk plays one viewer's microphone — a WAV of a pure tone that Chromium's fake
    /// microphone loops — into the WAV robot-webrtc writes for its speaker (`--audio-sink file:PATH`), where the
    /// test looks for that tone (``WAVTone``), one talker at a time.
    ///
    /// Needs `chromium` and the GStreamer plugins robot-webrtc uses (Opus: gst-plugins-base; wavenc: -good).
    @Suite(.timeLimit(.minutes(3))) struct AudioBrowserTests {
        let browser = BrowserTests()

        /// What the first viewer's and the second viewer's fake microphones play.
        static let firstTone = 1000.0
        static let secondTone = 1500.0
        /// A tone's amplitude in 16-bit sample units (full scale 32 767) above which it is heard. The viewers' tones
        /// leave the WAV at 0.3 of full scale (9830); the page's audio processing (automatic gain control, noise
        /// suppression) brings a steady tone down to about 1030 within 2 s, and a silent speaker writes 0–10.
        static let heard = 400.0
        /// Below this, a tone is not there: what a silent speaker writes, with room.
        static let absent = 150.0
        /// How long the speaker may still play a viewer's voice after the release.
        static let releaseGrace = Duration.milliseconds(400)

        @Test func theViewerHearsTheRobotsTestTone() async throws {
            try await VideoStack.with(producerArguments: ["--audio-source", "test"]) { stack in
                let page = try await stack.chromium.open(stack.pageURL)
                let first = try await browser.waitForPage(page, "the robot's sound arriving", timeout: .seconds(20)) {
                    ($0["audio"]?["totalSamplesReceived"]?.doubleValue ?? 0) > 0
                }
                let started = ContinuousClock.now
                #expect(first["audio"]?["tracks"] == 1, "one audio track from the robot: \(first)")
                try await Task.sleep(for: .seconds(3))
                let later = try requireValue(try await page.stats(), "no stats")
                let seconds = (ContinuousClock.now - started) / .seconds(1)
                let samples =
                    (later["audio"]?["totalSamplesReceived"]?.doubleValue ?? 0)
                    - (first["audio"]?["totalSamplesReceived"]?.doubleValue ?? 0)
                let energy =
                    (later["audio"]?["totalAudioEnergy"]?.doubleValue ?? 0)
                    - (first["audio"]?["totalAudioEnergy"]?.doubleValue ?? 0)
                // totalAudioEnergy adds level² × duration: its growth per second is the mean square level (0…1).
                // audiotestsrc's sine at volume 0.05 peaks at 0.05 of full scale: about 0.0025; silence is 0.
                let power = energy / seconds
                print("audio to the viewer: \(Int(samples)) samples in \(seconds) s, mean square level \(power)")
                #expect(
                    samples > 48_000 * seconds * 0.8, "the samples keep coming at 48 kHz: \(samples) in \(seconds) s")
                #expect(power > 1e-4, "the tone is above silence (−40 dBFS): \(power); \(later)")
                #expect((later["audio"]?["audioLevel"]?.doubleValue ?? 0) > 0.01, "\(later)")
            }
        }

        @Test func pushToTalkPlaysOneViewerAtATimeOnTheRobotsSpeaker() async throws {
            let folder = try ScratchDirectory.make("push-to-talk")
            let speaker = folder.appending(path: "speaker.wav")
            let firstMicrophone = folder.appending(path: "first-1000hz.wav")
            let secondMicrophone = folder.appending(path: "second-1500hz.wav")
            try WAVTone.wav(WAVTone.sine(frequency: Self.firstTone, seconds: 5, amplitude: 0.3)).write(
                to: firstMicrophone)
            try WAVTone.wav(WAVTone.sine(frequency: Self.secondTone, seconds: 5, amplitude: 0.3))
                .write(to: secondMicrophone)
            try await VideoStack.with(
                producerArguments: ["--audio-source", "test", "--audio-sink", "file:\(speaker.path)"],
                chromiumAudio: firstMicrophone
            ) { stack in
                // The second viewer in a browser of its own: its microphone plays another tone.
                let other = try await Chromium.start(fakeAudioCapture: secondMicrophone)
                do {
                    try await talk(stack: stack, other: other, speaker: speaker)
                } catch {
                    await other.stop()
                    throw error
                }
                await other.stop()
            }
        }

        func talk(stack: VideoStack, other: Chromium, speaker: URL) async throws {
            let first = try await stack.chromium.open(stack.pageURL)
            let second = try await other.open(stack.pageURL)
            for page in [first, second] {
                try await waitForTalkButton(page)
            }
            let firstPeer = try requireValue(try await first.stats()?["peer"]?.stringValue, "no peer id")
            let clock = SpeakerClock(file: speaker)
            defer { clock.stop() }
            try await browser.waitFor("the speaker's WAV growing") { clock.growths >= 3 }

            // The first viewer holds the button: the floor is theirs, their microphone goes on.
            try await press(first, "mousePressed")
            try await browser.waitForPage(first, "the first viewer talking") {
                $0["talking"] == true && $0["talker"] == .string(firstPeer)
            }
            let granted = ContinuousClock.now
            try await browser.waitForPage(second, "the second viewer told who talks") {
                $0["talker"] == .string(firstPeer)
            }

            // The second viewer presses too: refused, and the page says who talks.
            try await press(second, "mousePressed")
            try await Task.sleep(for: .milliseconds(500))
            let refused = try requireValue(try await second.stats(), "no stats")
            #expect(refused["talker"] == .string(firstPeer) && refused["talking"] == false, "\(refused)")
            let status = try await second.evaluate("document.getElementById('talk-status').textContent")
            #expect(status.stringValue?.contains("is talking") == true, "the second page shows the refusal: \(status)")
            try await press(second, "mouseReleased")

            // A page that ignores the refusal — its microphone on its sender anyway, asking the server itself — is
            // refused by robot-server, and the robot does not play it.
            _ = try await second.evaluate(
                """
                (async () => {
                  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
                  const { talk, send } = window.robotPage.internals;
                  await talk.sender.replaceTrack(stream.getAudioTracks()[0]);
                  send({ type: 'talk', on: true });
                  return true;
                })()
                """)
            try await browser.waitForPage(second, "robot-server's refusal") { stats in
                stats["errors"]?.arrayValue?.contains {
                    $0.stringValue?.contains("is talking through the robot") == true
                }
                    == true
            }
            #expect(try await first.stats()?["talker"] == .string(firstPeer), "the floor stays the first viewer's")
            try await Task.sleep(for: .seconds(3))

            // The first viewer releases: nobody talks; the second's forced microphone still reaches the robot.
            let released = ContinuousClock.now
            try await press(first, "mouseReleased")
            try await browser.waitForPage(first, "nobody talking") { $0["talking"] == false && $0["talker"] == .null }
            try await Task.sleep(for: .seconds(3))

            // The second viewer asks properly: now it is heard.
            let secondPressed = ContinuousClock.now
            try await press(second, "mousePressed")
            let secondPeer = try requireValue(try await second.stats()?["peer"]?.stringValue, "no peer id")
            try await browser.waitForPage(second, "the second viewer talking") {
                $0["talking"] == true && $0["talker"] == .string(secondPeer)
            }
            let secondGranted = ContinuousClock.now
            try await Task.sleep(for: .seconds(3))
            let secondReleased = ContinuousClock.now
            try await press(second, "mouseReleased")
            try await browser.waitForPage(second, "nobody talking") { $0["talker"] == .null }
            try await Task.sleep(for: .seconds(2))
            // filesink writes in blocks of ~0.7 s: wait until the file holds a full second after the release grace.
            let covered = secondReleased + Self.releaseGrace + .milliseconds(1_100)
            try await browser.waitFor("the speaker's WAV written past the end") {
                clock.position(at: covered) ?? .max < clock.written
            }
            clock.stop()

            let wave = try AudioLevel.Wave(contentsOf: speaker)
            try? FileManager.default.createDirectory(at: BrowserTests.artifacts, withIntermediateDirectories: true)
            try? Data(contentsOf: speaker).write(to: BrowserTests.artifacts.appending(path: "push-to-talk-speaker.wav"))
            #expect(wave.rate == 48_000 && wave.channels == 1, "S16LE 48 kHz mono: \(wave.rate) Hz, \(wave.channels)")
            let samples = wave.samples[...]
            // Where the speaker was at each moment (sample indices in the file).
            let at = { (instant: ContinuousClock.Instant) in
                min(max(clock.position(at: instant) ?? 0, 0), samples.count)
            }
            let marks = [granted, released, secondPressed, secondGranted, secondReleased].map(at)
            print("push to talk: the speaker at grant, release, second press, second grant, second release: \(marks)")
            report(samples, marks: marks)
            // How long after the release the tone still played, and after the grant it started.
            let firstSpan = toneSpan(Self.firstTone, in: samples[at(granted) - 24_000..<at(secondPressed)])
            let secondSpan = toneSpan(Self.secondTone, in: samples[at(secondPressed)...])
            let ms = { (samples: Int) in samples * 1000 / 48_000 }
            if let firstSpan, let secondSpan {
                print(
                    "push to talk: grant → tone on the speaker \(ms(firstSpan.lowerBound - at(granted))) ms and "
                        + "\(ms(secondSpan.lowerBound - at(secondGranted))) ms; release → silence "
                        + "\(ms(firstSpan.upperBound - at(released))) ms and \(ms(secondSpan.upperBound - at(secondReleased))) ms"
                )
            }

            // While each viewer held the floor (from 0.5 s after the grant): its tone. From 400 ms after each
            // release (measured: 74–165 ms, webrtcbin's 80 ms jitter buffer part of it): nothing of it. The
            // refused viewer: never, until it had the floor.
            let talking = samples[at(granted + .milliseconds(500))..<at(released)]
            let afterRelease = samples[at(released + Self.releaseGrace)..<at(secondPressed)]
            let secondTalking = samples[at(secondGranted + .milliseconds(500))..<at(secondReleased)]
            let afterSecond = samples[at(secondReleased + Self.releaseGrace)...]
            let firstTone = WAVTone.windows(Self.firstTone, in: talking)
            let leaked = WAVTone.windows(Self.secondTone, in: samples[..<at(secondPressed)]).filter(isHeard)
            let echo = loudest(Self.firstTone, in: afterRelease)
            let secondTone = WAVTone.windows(Self.secondTone, in: secondTalking)
            let secondEcho = loudest(Self.secondTone, in: afterSecond)
            print(
                "push to talk: 100 ms windows with the first viewer's 1 kHz while it talked \(summary(firstTone)), "
                    + "with the second's 1.5 kHz \(summary(secondTone)); loudest after the releases \(echo) and "
                    + "\(secondEcho); windows with the refused viewer's tone: \(leaked.count)")

            #expect(firstTone.count >= 20, "2 s of the first viewer's talk in the file: \(firstTone.count) windows")
            #expect(heardShare(firstTone) >= 0.9, "the first viewer's 1 kHz tone plays: \(summary(firstTone))")
            #expect(leaked.isEmpty, "the refused viewer is never heard: 1.5 kHz in 100 ms windows \(leaked)")
            #expect(afterRelease.count >= 96_000, "the file covers the time after the release: \(afterRelease.count)")
            #expect(echo.amplitude < Self.absent, "nothing at 1 kHz after the release: loudest \(echo)")
            #expect(secondTone.count >= 20, "the second viewer's talk in the file: \(secondTone.count) windows")
            #expect(
                heardShare(secondTone) >= 0.9,
                "the second viewer's 1.5 kHz tone plays once it has the floor: \(summary(secondTone))")
            #expect(afterSecond.count >= 48_000, "the file covers the time after the second release")
            #expect(secondEcho.amplitude < Self.absent, "nothing at 1.5 kHz after its release: loudest \(secondEcho)")
        }

        // MARK: helpers

        /// A window holds the tone: loud, and a good part of the window's power (the other viewer's tone at full blast
        /// leaves codec noise, about 0.5 % of its amplitude, at every frequency).
        func isHeard(_ window: WAVTone.Measure) -> Bool {
            window.amplitude > Self.heard && window.fraction > 0.25
        }

        /// From the first to the end of the last 100 ms window in which the tone is heard (indices into the file).
        func toneSpan(_ frequency: Double, in samples: ArraySlice<Int16>) -> Range<Int>? {
            let windows = WAVTone.windows(frequency, in: samples)
            guard let first = windows.firstIndex(where: isHeard), let last = windows.lastIndex(where: isHeard) else {
                return nil
            }
            return samples.startIndex + first * 4_800..<samples.startIndex + (last + 1) * 4_800
        }

        /// The share of `windows` in which the tone is heard.
        func heardShare(_ windows: [WAVTone.Measure]) -> Double {
            windows.isEmpty ? 0 : Double(windows.filter(isHeard).count) / Double(windows.count)
        }

        /// How many windows hold the tone, and their median measure.
        func summary(_ windows: [WAVTone.Measure]) -> String {
            let sorted = windows.sorted { $0.amplitude < $1.amplitude }
            let median = sorted.isEmpty ? "none" : "\(sorted[sorted.count / 2])"
            return "\(windows.filter(isHeard).count) of \(windows.count), median \(median)"
        }

        /// The loudest 100 ms window of `frequency` in `samples`.
        func loudest(_ frequency: Double, in samples: ArraySlice<Int16>) -> WAVTone.Measure {
            WAVTone.windows(frequency, in: samples).max { $0.amplitude < $1.amplitude }
                ?? WAVTone.Measure(amplitude: 0, fraction: 0)
        }

        /// Where each tone is in the file, 100 ms a character: `A` first, `B` second, `·` neither, `|` a mark.
        func report(_ samples: ArraySlice<Int16>, marks: [Int]) {
            let first = WAVTone.windows(Self.firstTone, in: samples)
            let second = WAVTone.windows(Self.secondTone, in: samples)
            let window = 4_800
            var line = ""
            for (index, (a, b)) in zip(first, second).enumerated() {
                if marks.contains(where: { $0 / window == index }) { line += "|" }
                line += isHeard(a) ? "A" : isHeard(b) ? "B" : "·"
            }
            print("push to talk: speaker WAV, 100 ms per character: \(line)")
        }

        /// Waits until the page can talk: the offer lets the robot hear, so the talk controls show.
        func waitForTalkButton(_ page: BrowserPage) async throws {
            try await browser.waitForPage(page, "connected with a peer id", timeout: .seconds(30)) {
                $0["connectionState"] == "connected" && $0["peer"]?.stringValue != nil
            }
            try await browser.waitFor("the talk button shown", timeout: .seconds(10)) {
                try await page.evaluate("document.getElementById('talk-controls').hidden") == false
            }
        }

        /// A mouse button event at the centre of `#talk` (scrolled into view: it sits below the drive controls).
        func press(_ page: BrowserPage, _ type: String) async throws {
            _ = try await page.evaluate("document.getElementById('talk').scrollIntoView({ block: 'center' })")
            let button = try await page.centre(of: "#talk")
            try await page.mouse(type, x: button.x, y: button.y)
        }
    }
}

/// When the producer's speaker played which sample of its WAV. filesink writes the file in blocks of about 0.69 s,
/// so the file's length lags what was played; each time the file grows (polled every 5 ms) its new length was
/// played just then, and the stream runs in real time at 48 kHz, which ties every sample to the clock.
final class SpeakerClock: Sendable {
    let file: URL
    /// (when the file grew, its length in bytes).
    private let growth = Mutex<[(ContinuousClock.Instant, Int)]>([])
    private let poller = Mutex<Task<Void, Never>?>(nil)

    init(file: URL) {
        self.file = file
        let task = Task { [weak self] in
            var last = 0
            while !Task.isCancelled, let self {
                let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
                if size > last {
                    let now = ContinuousClock.now
                    self.growth.withLock { $0.append((now, size)) }
                    last = size
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        poller.withLock { $0 = task }
    }

    func stop() {
        poller.withLock { $0?.cancel() }
    }

    var growths: Int { growth.withLock { $0.count } }

    /// Samples in the file now (the 44-byte header of wavenc apart).
    var written: Int { ((growth.withLock { $0.last?.1 } ?? 44) - 44) / 2 }

    /// The sample the speaker played at `instant`: the median over the file's growths (the first is the header).
    func position(at instant: ContinuousClock.Instant) -> Int? {
        let estimates = growth.withLock { $0.dropFirst() }.map { grown, bytes in
            (bytes - 44) / 2 + Int(((instant - grown) / .seconds(1) * 48_000).rounded())
        }
        guard !estimates.isEmpty else { return nil }
        return estimates.sorted()[estimates.count / 2]
    }
}
