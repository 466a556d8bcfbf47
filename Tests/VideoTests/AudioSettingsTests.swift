import Testing
import WebRTCProducer

/// Pure: robot-webrtc's audio options and the launch line they make (no GStreamer, no process).
@Suite struct AudioSettingsTests {
    @Test func offByDefault() throws {
        let settings = try ProducerSettings(server: "ws://127.0.0.1:8080", thing: "sts-pi", token: "t")
        #expect(settings.audio == .off)
        #expect(!settings.audio.isEnabled)
        #expect(AudioPipelineDescription(settings: .off).launchLine == "")
        #expect(settings.description.contains("audio=off"))
    }

    @Test func sinksParse() throws {
        #expect(try AudioSettings.Sink(parsing: "off") == .off)
        #expect(try AudioSettings.Sink(parsing: "auto") == .auto)
        #expect(try AudioSettings.Sink(parsing: "alsa") == .alsa)
        #expect(try AudioSettings.Sink(parsing: "pulse") == .pulse)
        #expect(try AudioSettings.Sink(parsing: "file:/tmp/x.wav") == .file(path: "/tmp/x.wav"))
        for bad in ["file:", "speaker", ""] {
            #expect(throws: ProducerConfigurationError.self) { try AudioSettings.Sink(parsing: bad) }
        }
    }

    @Test func validation() throws {
        func error(_ make: () throws -> AudioSettings) -> String {
            do {
                _ = try make()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error { try AudioSettings(source: .test, echoCancel: true) }.hasPrefix("--echo-cancel needs"))
        #expect(error { try AudioSettings(sink: .auto, echoCancel: true) }.hasPrefix("--echo-cancel needs"))
        #expect(error { try AudioSettings(source: .test, device: "hw:1") }.hasPrefix("--audio-device:"))
        #expect(error { try AudioSettings(source: .off, device: "hw:1") }.hasPrefix("--audio-device:"))
        #expect(error { try AudioSettings(source: .alsa, device: "") }.hasPrefix("--audio-device:"))
        #expect(error { try AudioSettings(sink: .auto, sinkDevice: "hw:0") }.hasPrefix("--audio-sink-device:"))
        #expect(
            error { try AudioSettings(sink: .file(path: "/no/such/folder/x.wav")) }
                == "--audio-sink: file:/no/such/folder/x.wav: the folder '/no/such/folder' does not exist")
        #expect(error { try AudioSettings(sink: .file(path: "/tmp")) }.contains("no error"))
        #expect(
            error { try AudioSettings(source: .alsa, device: "plughw:1,0", sink: .pulse, sinkDevice: "out") }
                == "no error")
        #expect(error { try AudioSettings(source: .auto, sink: .auto, echoCancel: true) } == "no error")
        // ProducerSettings validates its audio too.
        #expect(throws: ProducerConfigurationError.self) {
            var audio = try AudioSettings(source: .test)
            audio.echoCancel = true
            _ = try ProducerSettings(server: "ws://h:1", thing: "t", token: "x", audio: audio)
        }
    }

    @Test func description() throws {
        let settings = try AudioSettings(
            source: .alsa, device: "plughw:1,0", sink: .file(path: "/tmp/s.wav"), echoCancel: false)
        #expect(settings.description == "audioSource=alsa:plughw:1,0 audioSink=file:/tmp/s.wav")
        let both = try AudioSettings(source: .test, sink: .auto, echoCancel: true)
        #expect(both.description == "audioSource=test audioSink=auto echoCancel")
    }

    @Test func sourceOnlyLaunchLine() throws {
        let line = AudioPipelineDescription(settings: try AudioSettings(source: .test)).launchLine
        #expect(
            line
                == "audiotestsrc is-live=true wave=sine freq=440 volume=0.05 ! audioconvert ! audioresample ! "
                + "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved ! "
                + "opusenc audio-type=voice frame-size=20 bitrate=32000 inband-fec=true packet-loss-percentage=5 ! "
                + "rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! "
                + "valve name=audio-gate drop=true drop-mode=forward-sticky-events ! "
                + "tee name=audio-viewers allow-not-linked=true")
    }

    @Test func speakerAndEchoCancellation() throws {
        let description = AudioPipelineDescription(
            settings: try AudioSettings(
                source: .alsa, device: "plughw:1,0", sink: .alsa, sinkDevice: "plughw:0,0", echoCancel: true))
        let line = description.launchLine
        #expect(line.hasPrefix("alsasrc device=\"plughw:1,0\" ! "))
        #expect(line.contains("! webrtcdsp probe=echo-probe "))
        #expect(
            line.hasSuffix(
                "audiotestsrc is-live=true wave=silence ! audio/x-raw,format=S16LE,rate=48000,channels=1,"
                    + "layout=interleaved ! audiomixer name=speaker ! audio/x-raw,format=S16LE,rate=48000,channels=1,"
                    + "layout=interleaved ! webrtcechoprobe name=echo-probe ! alsasink device=\"plughw:0,0\""))
        #expect(description.elementNames.contains("webrtcdsp") && description.elementNames.contains("alsasink"))
        #expect(Set(description.elementNames).count == description.elementNames.count)
    }

    @Test func fileSinkOnly() throws {
        let line = AudioPipelineDescription(settings: try AudioSettings(sink: .file(path: "/tmp/a \"b\".wav")))
            .launchLine
        #expect(!line.contains("opusenc") && !line.contains("audio-viewers"))
        #expect(line.hasSuffix("! wavenc name=speaker-wav ! filesink location=\"/tmp/a \\\"b\\\".wav\""))
    }
}

extension AudioSettingsTests {
    @Test func alsaDevicesFromProcAsoundPCM() {
        let text = """
            00-00: ALC887-VD Analog : ALC887-VD Analog : playback 1 : capture 1
            00-01: ALC887-VD Digital : ALC887-VD Digital : playback 1
            01-00: USB Audio : USB Audio : capture 1

            """
        let devices = ALSADevices.parse(text)
        #expect(devices.capture.map(\.alsaName) == ["plughw:0,0", "plughw:1,0"])
        #expect(devices.playback.map(\.alsaName) == ["plughw:0,0", "plughw:0,1"])
        #expect(ALSADevices.list(devices.capture) == "plughw:0,0 (ALC887-VD Analog), plughw:1,0 (USB Audio)")
        #expect(ALSADevices.list(ALSADevices.parse("").playback) == "none")
    }
}
