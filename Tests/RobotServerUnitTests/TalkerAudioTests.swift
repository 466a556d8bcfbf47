@testable import RobotServer
import Logging
import SignalingProtocol
import StrictJSON
import Testing

/// Push to talk in the signaling room, without sockets: one talker per robot, the server says who
/// (`docs/SIGNALING.md`, "Push to talk").
@Suite struct TalkerAudioTests {
    static let talkOn = #"{"type":"talk","on":true}"#
    static let talkOff = #"{"type":"talk","on":false}"#
    static let nobody: ServerFrame = .talker(viewer: nil, name: nil)
    static let driver = SignalingState.Speaker(name: "home", roles: [.drive, .view])

    /// A room for `sts-pi` with its producer and two viewers who may drive (`home`, `fleet`).
    func room() -> SignalingState {
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4)
        _ = state.join("producer-1", as: .producer)
        _ = state.join("viewer-1", as: .viewer, principal: "token:home", speaker: Self.driver)
        _ = state.join(
            "viewer-2", as: .viewer, principal: "token:fleet", speaker: .init(name: "fleet", roles: [.drive, .view]))
        return state
    }

    @Test func aViewerWhoMayDriveGetsTheFloorAndEveryoneHearsIt() {
        var state = room()
        let home: ServerFrame = .talker(viewer: "viewer-1", name: "home")
        #expect(
            state.received(Self.talkOn, from: "viewer-1") == [
                .send("producer-1", home), .send("viewer-1", home), .send("viewer-2", home),
            ])
        #expect(state.talker == "viewer-1")
        #expect(home.text == #"{"type":"talker","viewer":"viewer-1","name":"home"}"#)
    }

    /// While `home` talks, its asking again is confirmed to it alone, and another viewer is refused, naming it.
    @Test(arguments: [
        ("viewer-1", ServerFrame.talker(viewer: "viewer-1", name: "home")),
        ("viewer-2", .error(message: "home is talking through the robot; wait until they release")),
    ])
    func whileSomeoneTalksOnlyTheAskerIsAnswered(asker: String, answer: ServerFrame) {
        var state = room()
        _ = state.received(Self.talkOn, from: "viewer-1")
        #expect(state.received(Self.talkOn, from: asker) == [.send(asker, answer)])
        #expect(state.talker == "viewer-1")
    }

    @Test func theTalkerReleasesAndTheNextMayTalk() {
        var state = room()
        _ = state.received(Self.talkOn, from: "viewer-1")
        #expect(
            state.received(Self.talkOff, from: "viewer-1") == [
                .send("producer-1", Self.nobody), .send("viewer-1", Self.nobody), .send("viewer-2", Self.nobody),
            ])
        #expect(state.talker == nil)
        #expect(state.received(Self.talkOn, from: "viewer-2").count == 3)
        #expect(state.talker == "viewer-2")
    }

    @Test func aReleaseFromSomeoneElseIsIgnored() {
        var state = room()
        #expect(state.received(Self.talkOff, from: "viewer-2") == [], "nobody talks")
        _ = state.received(Self.talkOn, from: "viewer-1")
        #expect(state.received(Self.talkOff, from: "viewer-2") == [])
        #expect(
            state.received(Self.talkOff, from: "producer-1") == [
                .send("producer-1", .error(message: #"a producer sends offer or ice, not "talk""#))
            ])
        #expect(state.talker == "viewer-1")
    }

    @Test func whenTheTalkerLeavesEveryoneHearsNobodyTalks() {
        var state = room()
        _ = state.received(Self.talkOn, from: "viewer-1")
        #expect(
            state.leave("viewer-1") == [
                .send("producer-1", .viewerLeft(viewer: "viewer-1")),
                .send("producer-1", Self.nobody), .send("viewer-2", Self.nobody),
            ])
        #expect(state.talker == nil)
        // Someone else leaving changes nothing about the floor.
        _ = state.received(Self.talkOn, from: "viewer-2")
        #expect(state.leave("producer-1") == [.send("viewer-2", .producer(online: false))])
        #expect(state.talker == "viewer-2", "the producer going away does not take the floor")
    }

    @Test func lateJoinersAndTheProducerHearTheTalkerRightAfterTheirWelcome() {
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4)
        _ = state.join("viewer-1", as: .viewer, principal: "token:home", speaker: Self.driver)
        // No producer: the floor is still granted, to the viewers there are.
        #expect(
            state.received(Self.talkOn, from: "viewer-1") == [
                .send("viewer-1", .talker(viewer: "viewer-1", name: "home"))
            ])
        let home: ServerFrame = .talker(viewer: "viewer-1", name: "home")
        let producer = state.join("producer-1", as: .producer)
        #expect(
            Array(producer.prefix(2)) == [
                .send("producer-1", .welcome(peer: "producer-1", role: .producer, iceServers: [])),
                .send("producer-1", home),
            ])
        let late = state.join("viewer-2", as: .viewer, principal: "token:guest")
        #expect(
            Array(late.prefix(2)) == [
                .send("viewer-2", .welcome(peer: "viewer-2", role: .viewer, iceServers: [])), .send("viewer-2", home),
            ])
        // A replacing producer hears it too.
        let replacing = state.join("producer-2", as: .producer)
        #expect(replacing.contains(.send("producer-2", home)))
    }

    @Test func aViewOnlyTokenIsRefusedWithTheRoleItLacks() {
        var state = room()
        _ = state.join(
            "viewer-3", as: .viewer, principal: "token:viewer", speaker: .init(name: "viewer", roles: [.view]))
        #expect(
            state.received(Self.talkOn, from: "viewer-3") == [
                .send(
                    "viewer-3",
                    .error(message: "talking through the robot needs the drive role on sts-pi; this token has view"))
            ])
        #expect(state.talker == nil)
        // A viewer joined without roles (none known) may not talk either.
        _ = state.join("viewer-4", as: .viewer)
        #expect(
            state.received(Self.talkOn, from: "viewer-4").first.map { "\($0)" }?.contains("this token has no role")
                == true)
        // Even while someone talks, the role is what it hears about.
        _ = state.received(Self.talkOn, from: "viewer-1")
        #expect(state.received(Self.talkOn, from: "viewer-3").first.map { "\($0)" }?.contains("drive role") == true)
    }

    @Test func aMalformedTalkIsExplained() {
        var state = room()
        #expect(
            state.received(#"{"type":"talk","on":"yes"}"#, from: "viewer-1") == [
                .send(
                    "viewer-1",
                    .error(message: #"talk: "on" must be a boolean (true to talk, false to stop), got string "yes""#))
            ])
        #expect(state.talker == nil)
    }

    /// The hub passes each socket's principal as the room needs it: its name and its roles on this robot.
    @Test func theHubTellsTheRoomWhatEachPrincipalMayDoOnThisRobot() async {
        let viewOnly = Principal(
            kind: .token, name: "viewer", permissions: Permissions([.init(robots: .some(["sts-pi"]), roles: [.view])]))
        #expect(SignalingHub.speaker(viewOnly, on: "sts-pi") == .init(name: "viewer", roles: [.view]))
        let home = Principal(kind: .token, name: "home", robots: .some(["sts-pi"]))
        #expect(SignalingHub.speaker(home, on: "sts-pi") == Self.driver)
        #expect(SignalingHub.speaker(home, on: "rover").roles.isEmpty)
        #expect(SignalingHub.speaker(Authenticator.anonymous, on: "sts-pi").roles.contains(.drive))

        let hub = SignalingHub(thing: "sts-pi", video: .init(), logger: Logger(label: "test"))
        let (producer, producerMailbox) = hub.join(as: .producer)
        let (viewer, viewerMailbox) = hub.join(as: .viewer, speaker: SignalingHub.speaker(home, on: "sts-pi"))
        hub.received(Self.talkOn, from: viewer)
        hub.leave(viewer)
        hub.leave(producer)
        var producerFrames: [String] = []
        for await case .text(let text, _) in producerMailbox { producerFrames.append(text) }
        #expect(
            producerFrames == [
                ServerFrame.welcome(peer: producer, role: .producer, iceServers: []).text, Self.nobody.text,
                ServerFrame.viewerJoined(viewer: viewer).text,
                ServerFrame.talker(viewer: viewer, name: "home").text,
                ServerFrame.viewerLeft(viewer: viewer).text, Self.nobody.text,
            ])
        var viewerFrames: [String] = []
        for await case .text(let text, _) in viewerMailbox { viewerFrames.append(text) }
        #expect(viewerFrames.last == ServerFrame.talker(viewer: viewer, name: "home").text)
    }
}
