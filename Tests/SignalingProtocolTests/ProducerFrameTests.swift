import SignalingProtocol
import StrictJSON
import Testing

/// The frames robot-server sends the producer, and those the producer sends (moved from VideoTests: pure parsing).
@Suite struct ProducerFrameTests {
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
}
