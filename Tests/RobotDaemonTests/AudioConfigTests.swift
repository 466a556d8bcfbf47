import RobotDaemon
import StrictJSON
import Testing

/// The `audio` section: its values, its mistakes (each naming its key), and the options robotd appends to
/// robot-webrtc's command. Pure: the config is parsed from text, nothing is started.
@Suite struct AudioConfigTests {
    static let webrtc = #""video":{"enabled":true,"command":["/usr/local/bin/robot-webrtc","--thing","{thingName}"]}"#

    func parse(_ sections: String) throws -> RobotConfig {
        // The identity files only have to be readable: the audio section never looks at them.
        let text = #"""
            {"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"/dev/null","certFile":"/dev/null",\#
            "keyFile":"/dev/null"},\#(sections)}
            """#
        let root = try #require(try JSONParser.parse(text).objectValue)
        return try RobotConfig.parse(root, directory: "/etc/robot")
    }

    func audio(_ fields: String) throws -> RobotConfig {
        try parse(#"\#(Self.webrtc),"audio":{\#(fields)}"#)
    }

    @Test func anAbsentOrDisabledSectionAddsNothing() throws {
        let absent = try parse(Self.webrtc)
        #expect(!absent.audio.enabled && absent.audio.source == .auto && absent.audio.sink == .auto)
        #expect(videoSettings(absent).command == ["/usr/local/bin/robot-webrtc", "--thing", "sts-pi"])
        let disabled = try audio(#""enabled":false,"source":"alsa","device":"plughw:1,0","sink":"off""#)
        #expect(disabled.audio.arguments.isEmpty)
        #expect(videoSettings(disabled).command == ["/usr/local/bin/robot-webrtc", "--thing", "sts-pi"])
    }

    @Test func enabledWithDefaultsPicksTheSystemsDevices() throws {
        let config = try audio(#""enabled":true"#)
        #expect(config.unknownKeys.isEmpty)
        #expect(
            videoSettings(config).command == [
                "/usr/local/bin/robot-webrtc", "--thing", "sts-pi", "--audio-source", "auto", "--audio-sink", "auto",
            ])
    }

    @Test(arguments: [
        (#""source":"test","sink":"off""#, ["--audio-source", "test", "--audio-sink", "off"]),
        (
            #""source":"alsa","device":"plughw:1,0","sink":"alsa","sinkDevice":"plughw:0,0","echoCancel":true"#,
            [
                "--audio-source", "alsa", "--audio-device", "plughw:1,0", "--audio-sink", "alsa",
                "--audio-sink-device", "plughw:0,0", "--echo-cancel",
            ]
        ),
        (
            #""source":"pulse","device":null,"sink":"pulse","sinkDevice":"speaker""#,
            ["--audio-source", "pulse", "--audio-sink", "pulse", "--audio-sink-device", "speaker"]
        ),
        (
            #""source":"off","sink":"file:/tmp/speaker.wav""#,
            ["--audio-source", "off", "--audio-sink", "file:/tmp/speaker.wav"]
        ),
        (
            #""source":"auto","sink":"file:out/speaker.wav""#,
            ["--audio-source", "auto", "--audio-sink", "file:/etc/robot/out/speaker.wav"]
        ),
        (#""source":"test","sink":"auto","echoCancel":false"#, ["--audio-source", "test", "--audio-sink", "auto"]),
    ])
    func theOptionsAreAppendedToRobotWebRTC(fields: String, expected: [String]) throws {
        let config = try audio(#""enabled":true,\#(fields)"#)
        #expect(config.audio.arguments == expected)
        #expect(videoSettings(config).command == ["/usr/local/bin/robot-webrtc", "--thing", "sts-pi"] + expected)
    }

    @Test(arguments: [
        (#""enabled":"yes""#, "audio.enabled: must be true or false"),
        (
            #""source":"microphone""#,
            #"audio.source: unknown source "microphone"; expected test, auto, alsa, pulse, off"#
        ),
        (#""source":440"#, "audio.source: must be a string"),
        (#""source":"""#, "audio.source: must not be empty"),
        (#""source":"auto","device":"plughw:1,0""#, "audio.device: is only used with source alsa or pulse"),
        (#""source":"alsa","device":7"#, "audio.device: must be a string"),
        (#""sink":"speaker""#, #"audio.sink: unknown sink "speaker"; expected auto, alsa, pulse, off or file:PATH"#),
        (#""sink":"file:""#, "audio.sink: file: needs a path"),
        (#""sink":false"#, "audio.sink: must be a string"),
        (#""sink":"file:/tmp/a.wav","sinkDevice":"hw:0""#, "audio.sinkDevice: is only used with sink alsa or pulse"),
        (#""sink":"alsa","sinkDevice":"""#, "audio.sinkDevice: must not be empty"),
        (#""echoCancel":1"#, "audio.echoCancel: must be true or false"),
        (#""source":"off","echoCancel":true"#, "audio.echoCancel: needs a source and a sink"),
        (#""sink":"off","echoCancel":true"#, "audio.echoCancel: needs a source and a sink"),
    ])
    func mistakesNameTheKey(fields: String, message: String) {
        // Checked whether or not the section is enabled: a typo waits for no one.
        #expect {
            try audio(fields)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test(arguments: [
        #""video":{"enabled":true,"command":["/opt/robot/kvsWebrtcClientMasterGstSample","{thingName}"]}"#,
        #""video":{"enabled":true,"command":["/opt/robot-webrtc/producer"]}"#,
        #""video":{"enabled":false}"#,
    ])
    func anotherProducerIsRefused(video: String) throws {
        #expect {
            try parse(#"\#(video),"audio":{"enabled":true,"source":"test"}"#)
        } throws: { error in
            "\(error)".hasPrefix("audio.enabled: audio needs robot-webrtc as the producer")
        }
        let disabled = try parse(#"\#(video),"audio":{"enabled":false,"source":"test"}"#)
        #expect(disabled.audio.arguments.isEmpty, "a disabled section is fine with any producer")
    }

    @Test func aProgramNamedRobotWebRTCAnywhereIsAccepted() throws {
        let config = try parse(
            #""video":{"command":["robot-webrtc","--thing","{thingName}"]},"audio":{"enabled":true,"source":"test"}"#)
        #expect(videoSettings(config).command.suffix(4) == ["--audio-source", "test", "--audio-sink", "auto"])
    }

    @Test func unknownKeysAreReported() throws {
        let config = try audio(#""enabled":true,"sorce":"test","echo":true"#)
        #expect(config.unknownKeys.sorted() == ["audio.echo", "audio.sorce"])
    }
}
