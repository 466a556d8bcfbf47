import SignalingProtocol
import Testing
import WebRTCProducer

@Suite("producer ICE servers, pipeline and settings")
struct ProducerMessageTests {
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
