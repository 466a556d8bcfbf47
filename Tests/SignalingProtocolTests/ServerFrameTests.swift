import SignalingProtocol
import StrictJSON
import Testing

/// Every frame robot-server sends: its exact text, and what each receiver reads back.
@Suite struct ServerFrameTests {
    static let turn = ICEServer(urls: ["turn:turn.example.org?transport=udp"], username: "u", credential: "p@ss")

    /// Each frame, the text robot-server writes (byte for byte what it wrote before the typed frames), and the role
    /// that receives it.
    static let frames: [(ServerFrame, String, PeerRole)] = [
        (
            .welcome(peer: "viewer-1", role: .viewer, iceServers: [ICEServer(urls: ["stun:stun.example.org"]), turn]),
            #"{"type":"welcome","peer":"viewer-1","role":"viewer","iceServers":[{"urls":["stun:stun.example.org"]},"#
                + #"{"urls":["turn:turn.example.org?transport=udp"],"username":"u","credential":"p@ss"}]}"#,
            .viewer
        ),
        (
            .welcome(peer: "producer-1", role: .producer, iceServers: []),
            #"{"type":"welcome","peer":"producer-1","role":"producer","iceServers":[]}"#, .producer
        ),
        (.producer(online: true), #"{"type":"producer","online":true}"#, .viewer),
        (.producer(online: false), #"{"type":"producer","online":false}"#, .viewer),
        (
            .telemetry(["state": "driving", "speed": 0.5]), #"{"type":"telemetry","data":{"state":"driving","speed":0.5}}"#,
            .viewer
        ),
        (
            .control(
                ControlStatus(
                    holder: .init(name: "alice", since: "2026-12-04T22:40:00Z"),
                    request: .init(name: "bob", at: "2026-12-04T22:41:07Z"), idleSeconds: 30,
                    you: .init(name: "bob", driving: false, mayDrive: true, admin: false))),
            #"{"type":"control","holder":{"name":"alice","since":"2026-12-04T22:40:00Z"},"#
                + #""request":{"name":"bob","at":"2026-12-04T22:41:07Z"},"idleSeconds":30,"#
                + #""you":{"name":"bob","driving":false,"mayDrive":true,"admin":false}}"#,
            .viewer
        ),
        (
            .control(
                ControlStatus(
                    holder: nil, request: nil, idleSeconds: 5,
                    you: .init(name: "anonymous", driving: false, mayDrive: true, admin: true))),
            #"{"type":"control","holder":null,"request":null,"idleSeconds":5,"#
                + #""you":{"name":"anonymous","driving":false,"mayDrive":true,"admin":true}}"#,
            .viewer
        ),
        (.viewerJoined(viewer: "viewer-1"), #"{"type":"viewer-joined","viewer":"viewer-1"}"#, .producer),
        (.viewerLeft(viewer: "viewer-1"), #"{"type":"viewer-left","viewer":"viewer-1"}"#, .producer),
        (.error(message: "no \"x\""), #"{"type":"error","message":"no \"x\""}"#, .producer),
        (.error(message: "refused"), #"{"type":"error","message":"refused"}"#, .viewer),
        (
            .relayed(PeerFrame(.offer(sdp: "v=0\r\n"), viewer: nil)), #"{"type":"offer","sdp":"v=0\u000d\u000a"}"#, .viewer
        ),
        (
            .relayed(PeerFrame(.ice(candidate: "candidate:1", sdpMLineIndex: 0), viewer: nil)),
            #"{"type":"ice","candidate":"candidate:1","sdpMLineIndex":0}"#, .viewer
        ),
        (
            .relayed(PeerFrame(.answer(sdp: "v=0"), viewer: "viewer-1")),
            #"{"type":"answer","viewer":"viewer-1","sdp":"v=0"}"#, .producer
        ),
        (
            .relayed(PeerFrame(.ice(candidate: "", sdpMLineIndex: nil), viewer: "viewer-1")),
            #"{"type":"ice","viewer":"viewer-1","candidate":""}"#, .producer
        ),
    ]

    @Test(arguments: frames)
    func eachFrameEncodesToItsTextAndReadsBack(frame: ServerFrame, text: String, receiver: PeerRole) throws {
        #expect(frame.text == text)
        let read = try ServerFrame.parse(text, for: receiver)
        #expect(read.type == frame.json["type"]?.stringValue)
        #expect(read.frame == frame)
    }

    /// A receiver ignores what is meant for the other role, and types it does not know; the producer reads the
    /// ones meant for it as before.
    @Test func eachRoleReadsOnlyItsFrames() throws {
        for (frame, text, receiver) in Self.frames where frame.json["type"] != "welcome" && frame.json["type"] != "error" {
            let other: PeerRole = receiver == .producer ? .viewer : .producer
            if case .relayed(let relayed) = frame, relayed.content.type == "ice" { continue }  // both read ice
            #expect(try ServerFrame.parse(text, for: other).frame == nil, "\(text)")
        }
        #expect(try ServerFrame.parse(#"{"type":"party","x":1}"#, for: .viewer) == ("party", nil))
        #expect(try SignalingMessage.parse(#"{"type":"offer","sdp":"v=0"}"#) == .ignored(type: "offer"))
        #expect(try SignalingMessage.parse(#"{"type":"producer","online":true}"#) == .ignored(type: "producer"))
        #expect(try SignalingMessage.parse(#"{"type":"control","holder":7}"#) == .ignored(type: "control"))
    }

    /// What a receiver has always tolerated, and what it refuses.
    @Test func receiversAreLenientWhereTheProducerWas() throws {
        #expect(
            try ServerFrame.parse(#"{"type":"welcome"}"#, for: .producer).frame
                == .welcome(peer: "", role: .producer, iceServers: []))
        #expect(try ServerFrame.parse(#"{"type":"error"}"#, for: .viewer).frame == .error(message: "(no message)"))
        #expect(
            try SignalingMessage.parse(#"{"type":"ice","viewer":"v","sdpMLineIndex":0.5}"#)
                == .candidate(viewer: "v", candidate: "", sdpMLineIndex: 0))
        #expect(throws: SignalingMessageError("ice.sdpMLineIndex: 65536 is out of range")) {
            try ServerFrame.parse(#"{"type":"ice","candidate":"c","sdpMLineIndex":65536}"#, for: .viewer)
        }
        #expect(throws: SignalingMessageError("viewer: missing (frame type answer)")) {
            try ServerFrame.parse(#"{"type":"answer","sdp":1}"#, for: .producer)
        }
        #expect(throws: SignalingMessageError("online: expected a boolean, got string")) {
            try ServerFrame.parse(#"{"type":"producer","online":"yes"}"#, for: .viewer)
        }
        #expect(throws: SignalingMessageError("type: missing (frame type ?)")) {
            try ServerFrame.parse("{}", for: .viewer)
        }
    }

    @Test func closeCodesAndLimitsAreTheContracts() {
        #expect(SignalingCloseCode.replaced.rawValue == 4000)
        #expect(SignalingCloseCode.tooManyViewers.rawValue == 4001)
        #expect(SignalingCloseCode.tooManyViewersForPrincipal.rawValue == 4002)
        #expect(SignalingCloseCode.rateLimited.rawValue == 1008)
        #expect(SignalingLimits.maxFrameBytes == 65_536)
        #expect(SignalingLimits.maxSDPMLineIndex == 65_535)
    }

    /// A viewer refuses a `control` frame that breaks the contract, naming the member.
    @Test func aMalformedControlFrameNamesTheMember() {
        let you = #""you":{"name":"bob","driving":false,"mayDrive":true,"admin":false}"#
        for (text, message) in [
            (#"{"type":"control","holder":7,"request":null,"idleSeconds":30,\#(you)}"#, "holder: expected an object or null"),
            (#"{"type":"control","holder":{"name":"a"},"request":null,"idleSeconds":30,\#(you)}"#, "holder: expected"),
            (#"{"type":"control","holder":null,"request":null,"idleSeconds":"30",\#(you)}"#, "idleSeconds: expected"),
            (#"{"type":"control","holder":null,"request":null,"idleSeconds":30}"#, "you: expected an object"),
            (
                #"{"type":"control","holder":null,"request":null,"idleSeconds":30,"you":{"name":"b","driving":1}}"#,
                "you.driving: expected a boolean"
            ),
        ] {
            #expect(throws: SignalingMessageError.self, "\(text)") { try ServerFrame.parse(text, for: .viewer) }
            do {
                _ = try ServerFrame.parse(text, for: .viewer)
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }
}
