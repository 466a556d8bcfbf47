@testable import RobotServer
import SignalingProtocol
import StrictJSON
import Testing

/// Where a robot's room lives among the instances (``ClusterSignaling/Homes``, pure: liveness passed in), and the
/// messages a forwarded viewer travels in.
@Suite struct ClusterSignalingTests {
    typealias Homes = ClusterSignaling.Homes
    typealias Move = Homes.Move

    /// Instances `a`, `b` and `c`; `offline` are not live (this instance always is).
    static func live(except offline: Set<String> = []) -> (String) -> Bool { { !offline.contains($0) } }

    static func home(_ instance: String, _ producer: String = "producer-000000000001") -> Homes.Home {
        .init(instance: instance, producer: producer)
    }

    @Test func theHomeIsWhereTheProducerConnectedAndNobodyWhileItsInstanceIsOffline() {
        var homes = Homes(instance: "b")
        #expect(homes.home(of: "sts-pi", live: Self.live()) == nil, "no producer anywhere yet: the local room")

        #expect(
            homes.received(Self.home("a"), for: "sts-pi", live: Self.live())
                == Move(thing: "sts-pi", from: nil, to: "a"))
        #expect(homes.home(of: "sts-pi", live: Self.live()) == "a")
        #expect(homes.home(of: "rover", live: Self.live()) == nil, "per robot")
        // The same home again (a retained message on resubscribing, another producer there) moves nothing.
        #expect(homes.received(Self.home("a", "producer-000000000002"), for: "sts-pi", live: Self.live()) == nil)

        // a goes offline: nobody's, and the room here serves; back online: a's again.
        #expect(homes.moves(instance: "a", online: false) == [Move(thing: "sts-pi", from: "a", to: nil)])
        #expect(homes.home(of: "sts-pi", live: Self.live(except: ["a"])) == nil)
        #expect(homes.moves(instance: "a", online: true) == [Move(thing: "sts-pi", from: nil, to: "a")])
        #expect(homes.moves(instance: "c", online: false) == [], "c is nobody's home")

        // A home message naming an instance that is offline changes nothing that counts.
        #expect(homes.received(Self.home("c"), for: "sts-pi", live: Self.live(except: ["a", "c"])) == nil)
        #expect(homes.home(of: "sts-pi", live: Self.live(except: ["a", "c"])) == nil)

        // This instance is always live: its own home (a retained one from before a restart) counts.
        var restarted = Homes(instance: "a")
        #expect(restarted.received(Self.home("a"), for: "sts-pi", live: Self.live(except: ["a"])) != nil)
        #expect(restarted.home(of: "sts-pi", live: Self.live(except: ["a"])) == "a")
    }

    @Test func aClaimWinsOverAnotherInstancesOlderClaimStillOnItsWay() {
        var homes = Homes(instance: "b")
        _ = homes.received(Self.home("a"), for: "sts-pi", live: Self.live())
        // A producer connects here: the room is here at once.
        #expect(
            homes.claim("sts-pi", producer: "producer-00000000000b", live: Self.live())
                == Move(thing: "sts-pi", from: "a", to: "b"))
        // a's claim, published before ours (it arrives before ours comes back), is older: ignored.
        #expect(homes.received(Self.home("a", "producer-00000000000c"), for: "sts-pi", live: Self.live()) == nil)
        #expect(homes.home(of: "sts-pi", live: Self.live()) == "b")
        // Ours comes back; a claim after it is newer and wins.
        #expect(homes.received(Self.home("b", "producer-00000000000b"), for: "sts-pi", live: Self.live()) == nil)
        #expect(
            homes.received(Self.home("a", "producer-00000000000d"), for: "sts-pi", live: Self.live())
                == Move(thing: "sts-pi", from: "b", to: "a"))
        #expect(homes.homes["sts-pi"] == Self.home("a", "producer-00000000000d"))
    }

    @Test func reconnectingClaimsTheRoomsOfTheProducersHereAgain() {
        var homes = Homes(instance: "b")
        _ = homes.claim("sts-pi", producer: "producer-00000000000b", live: Self.live())
        // Our claim was lost with the connection: once reconnected, an older message of a's is applied...
        #expect(homes.reconnected(producers: [:], live: Self.live()) == [])
        #expect(
            homes.received(Self.home("a"), for: "sts-pi", live: Self.live())
                == Move(thing: "sts-pi", from: "b", to: "a"))
        // ...unless a producer is here, whose room is claimed again.
        #expect(
            homes.reconnected(producers: ["sts-pi": "producer-00000000000e"], live: Self.live()) == [
                Move(thing: "sts-pi", from: "a", to: "b")
            ])
        #expect(homes.received(Self.home("a"), for: "sts-pi", live: Self.live()) == nil)
    }

    @Test func theHomeMessageAndEveryVerbsEnvelope() throws {
        let home = Self.home("a", "producer-0123456789ab")
        #expect(
            String(decoding: home.payload, as: UTF8.self) == #"{"instance":"a","producer":"producer-0123456789ab"}"#)
        #expect(Homes.Home(payload: home.payload) == home)
        #expect(Homes.Home(payload: []) == nil, "an empty retained message clears the topic")
        #expect(Homes.Home(payload: Array(#"{"producer":"p"}"#.utf8)) == nil)

        let speaker = SignalingState.Speaker(name: "home", roles: [.view, .drive])
        let join = ClusterSignaling.Join(from: "b", principal: "token:home", speaker: speaker)
        let joinPayload = ClusterSignaling.Verb.join.envelope(join.body).payload
        #expect(
            String(decoding: joinPayload, as: UTF8.self)
                == "join\n"
                + #"{"from":"b","principal":"token:home","speaker":{"name":"home","roles":["drive","view"]}}"#)
        let joined = try #require(ClusterEnvelope(payload: joinPayload))
        #expect(joined.verb == "join" && ClusterSignaling.Join(body: joined.body) == join)
        let anonymous = ClusterSignaling.Join(from: "b", principal: nil, speaker: .init(name: nil, roles: []))
        #expect(ClusterSignaling.Join(body: anonymous.body) == anonymous)
        #expect(ClusterSignaling.Join(body: Array(#"{"principal":"x"}"#.utf8)) == nil, "no sender")

        // A frame travels verbatim: its own newlines, quotes and non-ASCII text untouched.
        let frame = "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\na=x\\n\",\"note\":\"é\"}\n"
        let framed = try #require(
            ClusterEnvelope(payload: ClusterSignaling.Verb.frame.envelope(Array(frame.utf8)).payload))
        #expect(framed.verb == "frame" && framed.text == frame)

        for verb in [ClusterSignaling.Verb.binary, .leave] {
            #expect(verb.envelope().payload == Array("\(verb.rawValue)\n".utf8))
            #expect(ClusterEnvelope(payload: verb.envelope().payload) == ClusterEnvelope(verb.rawValue))
        }

        let close = ClusterSignaling.Close(code: 4001, reason: "this robot has too many viewers")
        let closed = try #require(ClusterEnvelope(payload: ClusterSignaling.Verb.close.envelope(close.body).payload))
        #expect(closed.text == #"{"code":4001,"reason":"this robot has too many viewers"}"#)
        #expect(ClusterSignaling.Close(body: closed.body) == close)
        #expect(ClusterSignaling.Close(body: Array("nonsense".utf8)).code == 1011, "a bad close still closes")

        // The largest frame fits AWS IoT's 128 KiB payload with room to spare.
        let largest = ClusterSignaling.Verb.frame.envelope(
            [UInt8](repeating: 0x20, count: SignalingLimits.maxFrameBytes))
        #expect(largest.payload.count == SignalingLimits.maxFrameBytes + 6)
    }

    @Test func aRoomThatMovesClosesItsViewersWith4003AndItsProducerWith4000() {
        #expect(SignalingCloseCode.moved.rawValue == 4003)
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4)
        _ = state.join("producer-1", as: .producer)
        _ = state.join("viewer-1", as: .viewer)
        _ = state.join("viewer-2", as: .viewer)
        #expect(
            state.moveOut() == [
                .close("producer-1", .replaced), .close("viewer-1", .moved), .close("viewer-2", .moved),
            ])
        #expect(SignalingState.CloseReason.moved.code == 4003)
        #expect(SignalingState.CloseReason.moved.text.utf8.count <= 123, "a close frame's reason")
        #expect(SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4).moveOut() == [])
    }
}
