import SignalingProtocol
import StrictJSON
import Testing

/// What robot-server accepts from its peers, and the message a refused frame gets.
@Suite struct PeerFrameTests {
    @Test func theProducerSendsOffersAndCandidatesForOneViewer() throws {
        let offer = try PeerFrame(parsing: #"{"type":"offer","viewer":"v-1","sdp":"v=0\r\n","x":1}"#, from: .producer)
        #expect(offer.content == .offer(sdp: "v=0\r\n"))
        #expect(offer.viewer == "v-1")
        #expect(offer.fields["x"] == 1, "unknown fields are relayed")
        let ice = try PeerFrame(
            parsing: #"{"type":"ice","viewer":"v-1","candidate":"candidate:1","sdpMLineIndex":65535}"#, from: .producer)
        #expect(ice.content == .ice(candidate: "candidate:1", sdpMLineIndex: 65535))
    }

    @Test func aViewerSendsAnswersAndCandidatesAndItsViewerFieldIsNotTrusted() throws {
        let answer = try PeerFrame(parsing: #"{"type":"answer","sdp":"v=0","viewer":"v-9"}"#, from: .viewer)
        #expect(answer.content == .answer(sdp: "v=0"))
        #expect(answer.viewer == nil)
        let end = try PeerFrame(parsing: #"{"type":"ice","candidate":"","sdpMLineIndex":null}"#, from: .viewer)
        #expect(end.content == .ice(candidate: "", sdpMLineIndex: nil))
    }

    @Test(arguments: [
        ("[1]", PeerFrame.Sender.viewer, "a frame must be a JSON object"),
        ("{", .viewer, "the frame is not JSON: invalid JSON at byte 1: expected a string key or '}', got end of payload"),
        (#"{"type":1}"#, .viewer, #"the frame has no "type" string"#),
        (#"{"type":"offer","sdp":"x"}"#, .viewer, #"a viewer sends talk, restart, answer or ice, not "offer""#),
        (#"{"type":"answer","sdp":"x"}"#, .producer, #"a producer sends offer or ice, not "answer""#),
        (#"{"type":"offer","sdp":"x"}"#, .producer, #"offer: "viewer" must be the viewer's peer id (a string)"#),
        (#"{"type":"ice","viewer":"v"}"#, .producer, #"ice: "candidate" must be a string ("" for the end of candidates)"#),
        (#"{"type":"answer","sdp":""}"#, .viewer, #"answer: "sdp" must be the session description (a non-empty string)"#),
        (
            #"{"type":"ice","candidate":"c","sdpMLineIndex":-1}"#, .viewer,
            #"ice: "sdpMLineIndex" must be a non-negative integer (at most 65535), got number -1"#
        ),
        (
            #"{"type":"ice","candidate":"c","sdpMLineIndex":0.5}"#, .viewer,
            #"ice: "sdpMLineIndex" must be a non-negative integer (at most 65535), got number 0.5"#
        ),
    ])
    func aRefusedFrameIsExplained(text: String, sender: PeerFrame.Sender, message: String) {
        #expect(throws: SignalingFrameError(message)) { try PeerFrame(parsing: text, from: sender) }
    }

    /// Found by the `signaling` fuzz target: the server relayed an index the producer refuses (it takes 0…65535),
    /// so the viewer's candidate was lost without an error to the viewer.
    @Test func anIndexTheProducerCannotTakeIsRefusedByTheServer() {
        #expect(throws: SignalingFrameError.self) {
            try PeerFrame(parsing: #"{"type":"ice","candidate":"c","sdpMLineIndex":65536}"#, from: .viewer)
        }
        #expect(throws: SignalingFrameError.self) {
            try PeerFrame(parsing: #"{"type":"ice","candidate":"c","sdpMLineIndex":1e300}"#, from: .viewer)
        }
    }

    /// What the server relays to the producer (the viewer's frame with `viewer` set to the sender) parses there.
    @Test func whatTheServerRelaysTheProducerReads() throws {
        let frame = try PeerFrame(parsing: #"{"type":"ice","candidate":"c","sdpMLineIndex":3}"#, from: .viewer)
        var relayed = frame.fields
        relayed["viewer"] = "v-2"
        #expect(
            try SignalingMessage.parse(JSONValue.object(relayed).serializedString())
                == .candidate(viewer: "v-2", candidate: "c", sdpMLineIndex: 3))
        let offer = ProducerMessage.offer(viewer: "v-2", sdp: "v=0").text
        #expect(try PeerFrame(parsing: offer, from: .producer).content == .offer(sdp: "v=0"))
    }
}
