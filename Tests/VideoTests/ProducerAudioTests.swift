import Foundation
import Testing
import TestSupport

extension VideoEndToEnd {
    /// robot-webrtc's audio, both ways, with real GStreamer on both ends: the built producer against
    /// ``ProducerSignalingPeer`` (which plays robot-server, `talker` frames included) and ``ProducerTestViewer``.
    @Suite(.timeLimit(.minutes(3))) struct ProducerAudioTests {
        enum Audio: String, CaseIterable, Sendable {
            case off, source, speaker, both
        }

        @Test(
            "the offer's audio m-line: Opus 48000/2 with the direction the options ask for", arguments: Audio.allCases)
        func offerDirection(audio: Audio) async throws {
            let wav = try ScratchDirectory.make("audio-offer").appending(path: "speaker.wav")
            let arguments: [String] =
                switch audio {
                case .off: []
                case .source: ["--audio-source", "test"]
                case .speaker: ["--audio-sink", "file:\(wav.path)"]
                case .both: ["--audio-source", "test", "--audio-sink", "file:\(wav.path)"]
                }
            let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
            let producer = try ProducerEndToEndTests.startProducer(peer, arguments)
            try await peer.waitUntilConnected()
            try await peer.send(["type": "viewer-joined", "viewer": "v"])
            let offer = try await peer.nextFrame("offer") { $0["type"] == "offer" }
            let sdp = try #require(offer["sdp"]?.stringValue)
            let media = sdp.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("m=") }
            let expected: String? =
                switch audio {
                case .off: nil
                case .source: "sendonly"
                case .speaker: "recvonly"
                case .both: "sendrecv"
                }
            #expect(media.first?.hasPrefix("m=video ") == true, "\(sdp)")
            if let expected {
                #expect(media.count == 2, "\(sdp)")
                #expect(media.last?.hasPrefix("m=audio ") == true, "\(sdp)")
                let line = ProducerTestViewer.audioMediaLine(sdp)
                #expect(line?.index == 1 && line?.direction == expected, "\(sdp)")
                #expect(sdp.contains(" OPUS/48000/2") || sdp.contains(" opus/48000/2"), "\(sdp)")
                if audio != .speaker {
                    // Separate MediaStreams, so that the browser does not hold the picture back for lip sync.
                    let streams = Self.mediaStreamIDs(sdp)
                    #expect(streams == ["robot-video", "robot-audio"], "\(sdp)")
                }
            } else {
                #expect(media.count == 1, "\(sdp)")
            }
            #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
            await peer.stop()
        }

        /// The MediaStream id of each m-section's `msid` (from `a=msid:` or `a=ssrc:… msid:`), in m-line order.
        static func mediaStreamIDs(_ sdp: String) -> [String] {
            var ids: [String] = []
            var current: String?
            for line in sdp.split(whereSeparator: \.isNewline) {
                if line.hasPrefix("m=") {
                    if let current { ids.append(current) }
                    current = ""
                } else if current == "", let range = line.range(of: "msid:") {
                    current = String(line[range.upperBound...].split(separator: " ").first ?? "")
                }
            }
            if let current { ids.append(current) }
            return ids
        }

        @Test("with --audio-source test the viewer decodes Opus that is not silence")
        func viewerHearsTheRobot() async throws {
            let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
            let producer = try ProducerEndToEndTests.startProducer(peer, ["--audio-source", "test"])
            try await peer.waitUntilConnected()
            let viewer = try ProducerTestViewer(encoding: "H264")
            // 50 loud buffers: a second of the tone at opusdec's 20 ms frames.
            try await ProducerMediaTests.watch(viewer, as: "ear", through: peer, timeout: .seconds(30)) {
                viewer.loudAudioBuffers >= 50 && viewer.decodedFrames >= 15
            }
            #expect(
                viewer.loudAudioBuffers >= 50,
                "\(viewer.loudAudioBuffers) loud of \(viewer.decodedAudioBuffers) audio buffers\n\(producer.outputTail(lines: 40))"
            )
            #expect(viewer.decodedFrames >= 15, "the video still flows beside it (\(viewer.decodedFrames) frames)")
            viewer.stop()
            try await peer.send(["type": "viewer-left", "viewer": "ear"])
            try await producer.waitUntilOutput(contains: "viewer branch removed")
            #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
            await peer.stop()
        }

        /// How the talker stops: robot-server releases the floor, or the talker's viewer leaves (its branch, mixer pad
        /// included, is removed while the speaker keeps running).
        enum Release: String, Sendable {
            case talkerNull, viewerLeaves
        }

        @Test(
            "the talker's tone is played (the WAV holds it); released, it stops",
            arguments: [(false, Release.talkerNull), (true, Release.viewerLeaves)])
        func talkerIsPlayed(echoCancel: Bool, release: Release) async throws {
            let session = try await TalkSession.start(echoCancel: echoCancel)
            try await session.peer.send(["type": "talker", "viewer": "mouth", "name": "home"])
            try await session.producer.waitUntilOutput(contains: "audio: mouth talks through the robot")
            try await Task.sleep(for: .seconds(2))
            switch release {
            case .talkerNull:
                try await session.peer.send(["type": "talker", "viewer": .null, "name": .null])
                try await session.producer.waitUntilOutput(contains: "audio: nobody talks")
            case .viewerLeaves:
                try await session.peer.send(["type": "viewer-left", "viewer": "mouth"])
                try await session.producer.waitUntilOutput(contains: "viewer branch removed")
            }
            try await Task.sleep(for: .seconds(1))
            #expect(session.producer.isRunning)
            let wave = try await session.finish()
            let loud = wave.loudSeconds(threshold: 300)
            #expect(wave.rate == 48000 && wave.channels == 1, "S16LE 48 kHz mono: \(wave.rate) Hz, \(wave.channels)")
            #expect(loud >= 1.0 && loud <= 2.8, "\(loud) s of the 2 s granted are loud in \(wave.seconds) s")
            let frequency = wave.zeroCrossingFrequency(threshold: 300)
            print(
                "speaker WAV (echoCancel \(echoCancel), \(release)): \(wave.seconds) s, \(loud) s loud at \(frequency) Hz"
            )
            #expect(abs(frequency - 880) < 40, "the viewer's 880 Hz tone, heard at \(frequency) Hz")
            let tail = wave.samples.suffix(wave.rate / 2)
            #expect(
                AudioLevel.rms(tail) < 50, "silent after the release: the last 0.5 s has RMS \(AudioLevel.rms(tail))")
            if echoCancel {
                #expect(session.viewer.decodedAudioBuffers > 0, "the robot's (echo-cancelled) sound reaches the viewer")
            }
        }

        @Test("without the grant the viewer's tone is not played")
        func othersAreNotPlayed() async throws {
            let session = try await TalkSession.start(echoCancel: false)
            // Another viewer holds the floor.
            try await session.peer.send(["type": "talker", "viewer": "someone-else", "name": "other"])
            try await session.producer.waitUntilOutput(contains: "audio: someone-else talks through the robot")
            try await Task.sleep(for: .seconds(2))
            let wave = try await session.finish()
            #expect(wave.seconds > 2, "the speaker ran all along (\(wave.seconds) s)")
            #expect(wave.loudSeconds(threshold: 50) == 0, "nothing but silence: RMS \(AudioLevel.rms(wave.samples))")
        }

        @Test("check lists the audio elements with their packages and the ALSA devices")
        func check() async throws {
            let result = try await ChildProcess.run(try RepositoryPaths.product("robot-webrtc").path, ["check"])
            #expect(result.termination == .exited(0), "\(result.standardOutput)\(result.standardError)")
            let output = result.standardOutput
            for element in ["opusenc", "opusdec", "rtpopuspay", "rtpopusdepay", "audiomixer", "webrtcdsp", "wavenc"] {
                #expect(output.contains("✓ \(element) "), "\(element) in\n\(output)")
            }
            #expect(output.contains("ALSA capture devices (--audio-source alsa --audio-device …): "), "\(output)")
            #expect(output.contains("ALSA playback devices (--audio-sink alsa --audio-sink-device …): "), "\(output)")
        }

        /// A benchmark, not a check (it prints numbers and asserts only that media flowed): opt-in like
        /// `ProducerBenchmarkTests`, `ROBOT_WEBRTC_BENCH=1 swift test --filter ProducerAudioTests/cost`.
        @Test(
            "what audio costs: the producer's CPU and RSS with one 640×480@30 viewer, audio off and on",
            .enabled(
                if: ProcessInfo.processInfo.environment["ROBOT_WEBRTC_BENCH"] != nil,
                "a benchmark: ROBOT_WEBRTC_BENCH=1 runs it"))
        func cost() async throws {
            var lines: [String] = []
            for audio in [false, true] {
                let wav = try ScratchDirectory.make("audio-cost").appending(path: "speaker.wav")
                let extra =
                    ["--width", "640", "--height", "480", "--fps", "30", "--bitrate", "1000", "--encoder", "x264enc"]
                    + (audio ? ["--audio-source", "test", "--audio-sink", "file:\(wav.path)"] : [])
                let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
                let producer = try ProducerEndToEndTests.startProducer(peer, extra)
                try await peer.waitUntilConnected()
                let viewer = try ProducerTestViewer(encoding: "H264", talkTone: audio)
                try await ProducerMediaTests.watch(viewer, as: "cost", through: peer, timeout: .seconds(30)) {
                    viewer.decodedFrames >= 30
                }
                if audio {
                    try await peer.send(["type": "talker", "viewer": "cost", "name": "home"])
                }
                try await Task.sleep(for: .seconds(2))
                let before = VideoStack.usage(of: producer.processIdentifier)
                try await Task.sleep(for: .seconds(10))
                let after = VideoStack.usage(of: producer.processIdentifier)
                let (b, a) = (try #require(before), try #require(after))
                let cpu = Double(a.ticks - b.ticks) / 100 / 10 * 100
                let line =
                    "audio \(audio ? "on (test tone out, talker's tone in, to a WAV)" : "off"): "
                    + "CPU \(String(format: "%.1f", cpu)) % of one core, RSS \(a.rssKiB / 1024) MiB"
                print("producer cost: \(line)")
                lines.append(line)
                #expect(viewer.decodedFrames >= 30)
                viewer.stop()
                #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
                await peer.stop()
            }
            let artifacts = RepositoryPaths.root.appending(path: ".build/test-artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            try lines.joined(separator: "\n").write(
                to: artifacts.appending(path: "producer-audio-cost.txt"), atomically: true, encoding: .utf8)
        }
    }
}

/// A producer with a test tone out and a WAV speaker, and a GStreamer viewer `mouth` that sends an 880 Hz tone
/// once connected (decoding video proves the connection).
private struct TalkSession {
    let peer: ProducerSignalingPeer
    let producer: ChildProcess
    let viewer: ProducerTestViewer
    let wav: URL

    static func start(echoCancel: Bool) async throws -> TalkSession {
        let wav = try ScratchDirectory.make("audio-talk").appending(path: "speaker.wav")
        let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
        let producer = try ProducerEndToEndTests.startProducer(
            peer,
            ["--audio-source", "test", "--audio-sink", "file:\(wav.path)"] + (echoCancel ? ["--echo-cancel"] : []))
        try await peer.waitUntilConnected()
        let viewer = try ProducerTestViewer(encoding: "H264", talkTone: true)
        try await ProducerMediaTests.watch(viewer, as: "mouth", through: peer, timeout: .seconds(30)) {
            viewer.decodedFrames >= 15
        }
        try #require(viewer.decodedFrames >= 15, "not connected: \(producer.outputTail(lines: 40))")
        try await producer.waitUntilOutput(contains: "audio: receiving the viewer's microphone")
        return TalkSession(peer: peer, producer: producer, viewer: viewer, wav: wav)
    }

    /// Stops everything (the producer with SIGTERM, which completes the WAV) and reads the WAV.
    func finish() async throws -> AudioLevel.Wave {
        viewer.stop()
        let termination = try await producer.terminate()
        await peer.stop()
        #expect(termination == .exited(0), "\(producer.outputTail())")
        return try AudioLevel.Wave(contentsOf: wav)
    }
}
