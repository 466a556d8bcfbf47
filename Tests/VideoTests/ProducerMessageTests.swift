import StrictJSON
import Testing
import WebRTCProducer

@Suite("producer signaling frames, ICE servers and settings")
struct ProducerMessageTests {
    @Test func parsesTheFramesTheServerSendsTheProducer() throws {
        #expect(try SignalingMessage.parse(#"{"type":"viewer-joined","viewer":"v-1"}"#) == .viewerJoined(viewer: "v-1"))
        #expect(try SignalingMessage.parse(#"{"type":"viewer-left","viewer":"v-1"}"#) == .viewerLeft(viewer: "v-1"))
        #expect(
            try SignalingMessage.parse(#"{"type":"answer","viewer":"v","sdp":"v=0\r\n"}"#)
                == .answer(viewer: "v", sdp: "v=0\r\n"))
        #expect(
            try SignalingMessage.parse(
                #"{"type":"ice","viewer":"v","candidate":"candidate:1 1 UDP 1 127.0.0.1 5 typ host","sdpMLineIndex":0}"#
            )
                == .candidate(viewer: "v", candidate: "candidate:1 1 UDP 1 127.0.0.1 5 typ host", sdpMLineIndex: 0))
        #expect(try SignalingMessage.parse(#"{"type":"telemetry","data":{}}"#) == .ignored(type: "telemetry"))
        #expect(try SignalingMessage.parse(#"{"type":"error","message":"no"}"#) == .error(message: "no"))
        let welcome = try SignalingMessage.parse(
            #"{"type":"welcome","peer":"p1","role":"producer","iceServers":[{"urls":["stun:stun.example.org:3478"]},{"urls":"turn:turn.example.org?transport=udp","username":"u","credential":"p@ss"}]}"#
        )
        #expect(
            welcome
                == .welcome(
                    peer: "p1",
                    iceServers: [
                        ICEServer(urls: ["stun:stun.example.org:3478"]),
                        ICEServer(urls: ["turn:turn.example.org?transport=udp"], username: "u", credential: "p@ss"),
                    ]))
    }

    @Test func badFramesNameTheFieldAtFault() {
        #expect(throws: SignalingMessageError("viewer: missing (frame type viewer-joined)")) {
            try SignalingMessage.parse(#"{"type":"viewer-joined"}"#)
        }
        #expect(throws: SignalingMessageError("sdp: expected a string, got number")) {
            try SignalingMessage.parse(#"{"type":"answer","viewer":"v","sdp":1}"#)
        }
        #expect(throws: SignalingMessageError("expected a JSON object, got array")) {
            try SignalingMessage.parse("[]")
        }
        #expect(throws: SignalingMessageError.self) { try SignalingMessage.parse("{") }
    }

    @Test func producerFramesFollowTheContract() throws {
        let offer = try JSONParser.parse(ProducerMessage.offer(viewer: "v", sdp: "v=0\r\n").text)
        #expect(offer == ["type": "offer", "viewer": "v", "sdp": "v=0\r\n"])
        let ice = try JSONParser.parse(
            ProducerMessage.candidate(viewer: "v", candidate: "candidate:x", sdpMLineIndex: 0).text)
        #expect(ice == ["type": "ice", "viewer": "v", "candidate": "candidate:x", "sdpMLineIndex": 0])
    }

    @Test func iceServersBecomeWebrtcbinURIs() {
        #expect(
            ICEServer(urls: ["stun:stun.l.google.com:19302"]).webrtcbinSTUNServer == "stun://stun.l.google.com:19302")
        #expect(ICEServer(urls: ["stun:example.org"]).webrtcbinSTUNServer == "stun://example.org:3478")
        #expect(ICEServer(urls: ["turn:example.org"]).webrtcbinSTUNServer == nil)
        let turn = ICEServer(
            urls: ["turn:example.org:3478?transport=tcp", "turns:example.org", "stun:x"], username: "robot",
            credential: "p@ss:word")
        #expect(
            turn.webrtcbinTURNServers == [
                "turn://robot:p%40ss%3Aword@example.org:3478?transport=tcp",
                "turns://robot:p%40ss%3Aword@example.org:5349",
            ])
    }

    @Test func sourcesParseAndUnknownOnesAreExplained() throws {
        #expect(try VideoSource(parsing: "videotestsrc") == .testPattern)
        #expect(try VideoSource(parsing: "v4l2") == .v4l2(device: "/dev/video0"))
        #expect(try VideoSource(parsing: "v4l2:/dev/video2") == .v4l2(device: "/dev/video2"))
        #expect(try VideoSource(parsing: "libcamera") == .libcamera)
        #expect(throws: ProducerConfigurationError.self) { try VideoSource(parsing: "webcam") }
    }

    @Test func encoderPreferenceIsHardwareThenX264ThenOpenH264() {
        #expect(VideoEncoder.preferred(for: .h264) { _ in true } == .v4l2h264enc)
        #expect(VideoEncoder.preferred(for: .h264) { $0 != "v4l2h264enc" } == .x264enc)
        #expect(VideoEncoder.preferred(for: .h264) { $0 == "openh264enc" } == .openh264enc)
        #expect(VideoEncoder.preferred(for: .vp8) { _ in true } == .vp8enc)
        #expect(VideoEncoder.preferred(for: .h264) { _ in false } == nil)
    }

    @Test func pipelineDescriptionHasTheSharedChain() {
        let line = PipelineDescription(
            source: .v4l2(device: "/dev/video1"), encoder: .x264enc, width: 640, height: 480, framesPerSecond: 30,
            bitrateKbps: 800
        ).launchLine
        #expect(line.hasPrefix(#"v4l2src device="/dev/video1" ! "#))
        #expect(line.contains("video/x-raw,width=640,height=480,framerate=30/1"))
        #expect(
            line.contains("x264enc name=encoder tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=60"))
        #expect(line.contains("profile=constrained-baseline"))
        #expect(line.contains("h264parse config-interval=-1 ! rtph264pay"))
        #expect(line.hasSuffix("tee name=viewers allow-not-linked=true"))
    }

    @Test func settingsValidateAndBuildTheSignalingURL() throws {
        let settings = try ProducerSettings(server: "wss://robots.example.org/", thing: "sts-pi", token: "s3cret")
        #expect(settings.signalingURL == "wss://robots.example.org/robots/sts-pi/signal?role=producer")
        #expect(!settings.description.contains("s3cret"), "the token never appears in logs")
        #expect(throws: ProducerConfigurationError.self) {
            try ProducerSettings(server: "http://x", thing: "sts-pi", token: "t")
        }
        #expect(throws: ProducerConfigurationError.self) {
            try ProducerSettings(server: "ws://x", thing: "sts-pi", token: "t", codec: .vp8, encoder: .x264enc)
        }
        #expect(throws: ProducerConfigurationError.self) {
            try ProducerSettings(server: "ws://x", thing: "sts-pi", token: "t", width: 641)
        }
    }
}
