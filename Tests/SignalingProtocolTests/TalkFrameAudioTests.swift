import SignalingProtocol
import StrictJSON
import Testing

/// Push to talk on the wire: a viewer's `talk`, read beside its negotiation frames, and the server's `talker`.
@Suite struct TalkFrameAudioTests {
    @Test func aViewerAsksToTalkAndGivesTheFloorBack() throws {
        #expect(try ViewerFrame(parsing: #"{"type":"talk","on":true}"#) == .talk(on: true))
        #expect(try ViewerFrame(parsing: #"{"on":false,"type":"talk","x":1}"#) == .talk(on: false))
        #expect(ViewerFrame.talk(on: true).text == #"{"type":"talk","on":true}"#)
        #expect(try ViewerFrame(parsing: ViewerFrame.talk(on: false).text) == .talk(on: false))
    }

    /// A viewer's answer and candidates read as the negotiation frames they are, unchanged.
    @Test func aViewersNegotiationFramesReadAsBefore() throws {
        let text = #"{"type":"answer","sdp":"v=0","viewer":"v-9","x":[1]}"#
        let frame = try ViewerFrame(parsing: text)
        #expect(frame == .negotiation(try PeerFrame(parsing: text, from: .viewer)))
        #expect(frame.text == text)
        guard case .negotiation(let answer) = frame else { return }
        #expect(answer.viewer == nil, "the viewer a viewer names is not trusted")
    }

    @Test(arguments: [
        (#"{"type":"talk"}"#, #"talk: "on" must be a boolean (true to talk, false to stop), got nothing"#),
        (
            #"{"type":"talk","on":"true"}"#,
            #"talk: "on" must be a boolean (true to talk, false to stop), got string "true""#
        ),
        (#"{"type":"talk","on":1}"#, #"talk: "on" must be a boolean (true to talk, false to stop), got number 1"#),
        (#"{"type":"talk","on":null}"#, #"talk: "on" must be a boolean (true to talk, false to stop), got null"#),
        (#"{"type":"offer","sdp":"x"}"#, #"a viewer sends talk, restart, answer or ice, not "offer""#),
        (#"{"type":"talker","on":true}"#, #"a viewer sends talk, restart, answer or ice, not "talker""#),
        (#"{"type":"answer","sdp":""}"#, #"answer: "sdp" must be the session description (a non-empty string)"#),
        ("[]", "a frame must be a JSON object"),
        (#"{"on":true}"#, #"the frame has no "type" string"#),
    ])
    func aRefusedViewerFrameIsExplained(text: String, message: String) {
        #expect(throws: SignalingFrameError(message)) { try ViewerFrame(parsing: text) }
    }

    /// `talk` is for the server: neither end's negotiation parser takes it, and the producer never sends it.
    @Test func talkIsNotANegotiationFrame() {
        #expect(throws: SignalingFrameError(#"a producer sends offer or ice, not "talk""#)) {
            try PeerFrame(parsing: #"{"type":"talk","on":true,"viewer":"v-1"}"#, from: .producer)
        }
        #expect(throws: SignalingFrameError.self) {
            try PeerFrame(parsing: #"{"type":"talk","on":true}"#, from: .viewer)
        }
    }

    /// The `talker` frame the server sends everyone, and what the producer and a viewer read.
    @Test(arguments: [
        (ServerFrame.talker(viewer: "viewer-1", name: "home"), #"{"type":"talker","viewer":"viewer-1","name":"home"}"#),
        (ServerFrame.talker(viewer: nil, name: nil), #"{"type":"talker","viewer":null,"name":null}"#),
    ])
    func theTalkerFrameEncodesAndEveryoneReadsIt(frame: ServerFrame, text: String) throws {
        #expect(frame.text == text)
        for receiver in PeerRole.allCases {
            #expect(try ServerFrame.parse(text, for: receiver) == ("talker", frame))
        }
        guard case .talker(let viewer, _) = frame else { return }
        #expect(try SignalingMessage.parse(text) == .talker(viewer: viewer))
    }

    @Test func aTalkerFrameIsReadLenientlyButNotCarelessly() throws {
        #expect(try SignalingMessage.parse(#"{"type":"talker"}"#) == .talker(viewer: nil), "absent is nobody")
        #expect(
            try ServerFrame.parse(#"{"type":"talker","viewer":"v-1"}"#, for: .viewer).frame
                == .talker(viewer: "v-1", name: nil))
        #expect(throws: SignalingMessageError("viewer: expected a string or null, got number")) {
            try SignalingMessage.parse(#"{"type":"talker","viewer":7}"#)
        }
        #expect(throws: SignalingMessageError("name: expected a string or null, got boolean")) {
            try ServerFrame.parse(#"{"type":"talker","viewer":null,"name":true}"#, for: .viewer)
        }
    }
}
