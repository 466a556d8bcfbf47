import Logging
@testable import RobotServer
import SignalingProtocol
import StrictJSON
import Testing

/// Viewers forwarded between instances, in process: two or more ``ClusterSignaling``s with real rooms
/// (``SignalingHub``) on a stand-in broker (``ClusterStandIn``); sockets are their seats, read frame by frame.
@Suite struct ForwardedViewerTests {
    static let thing = "sts-pi"
    static let homeTopic = "robot-server/cluster/robots/sts-pi/home"

    /// One robot-server instance: its room of sts-pi and its cluster member.
    struct Instance {
        let id: String
        let cluster: ClusterSignaling
        var hub: SignalingHub { cluster.hubs[ForwardedViewerTests.thing]! }

        init(_ id: String, on broker: ClusterStandIn, maxViewers: Int = 4) {
            self.id = id
            let link = broker.link(id)
            let hub = SignalingHub(
                thing: ForwardedViewerTests.thing,
                video: .init(maxViewers: maxViewers, signalingBurst: 100, signalingFramesPerSecond: 20),
                logger: Logger(label: "hub-\(id)"))
            cluster = ClusterSignaling(
                link: link, hubs: [ForwardedViewerTests.thing: hub], logger: Logger(label: "cluster-\(id)"))
            broker.add(cluster, to: link)
            broker.setOnline(id, true)
        }

        /// A producer connects here, as ``SignalingController`` joins it: the room's home is here now.
        func producer() -> Socket {
            let seat = hub.seat(
                as: .producer, principal: "token:robot", speaker: .init(name: nil, roles: []), onCut: {})
            cluster.claim(ForwardedViewerTests.thing, producer: seat.peer)
            return Socket(seat)
        }

        /// A viewer connects here: forwarded if the room is elsewhere, else in the room here.
        func viewer(_ name: String = "home") -> Socket {
            let speaker = SignalingState.Speaker(name: name, roles: [.drive, .view])
            if let forwarded = cluster.forward(
                thing: ForwardedViewerTests.thing, principal: "token:\(name)", speaker: speaker, onCut: {})
            {
                return Socket(forwarded)
            }
            return Socket(hub.seat(as: .viewer, principal: "token:\(name)", speaker: speaker, onCut: {}))
        }
    }

    /// A socket as the test sees it: what is written to it, one frame at a time (frames from a viewer are reported
    /// written, as the controller does).
    struct Socket {
        enum Written: Equatable {
            case frame(JSONValue)
            case close(UInt16, String)
            case ended
        }

        let seat: any SignalingSeat
        private var frames: AsyncStream<SignalingHub.Outbound>.Iterator

        init(_ seat: any SignalingSeat) {
            self.seat = seat
            frames = seat.outbound.makeAsyncIterator()
        }

        var peer: String { seat.peer }
        var home: String? { (seat as? ForwardedViewer)?.home }

        mutating func next() async -> Written {
            switch await frames.next() {
            case .text(let text, let origin)?:
                if let origin { seat.written(from: origin) }
                return .frame((try? JSONParser.parse(text)) ?? .string(text))
            case .close(let code, let reason)?:
                return .close(code, reason)
            case nil:
                return .ended
            }
        }

        /// The next frame of `type`, skipping others (nil if a close or the end comes first).
        mutating func next(type: String) async -> JSONValue? {
            while true {
                guard case .frame(let frame) = await next() else { return nil }
                if frame["type"]?.stringValue == type { return frame }
            }
        }

        /// The close, skipping frames.
        mutating func close() async -> Written {
            while true {
                let written = await next()
                if case .frame = written { continue }
                return written
            }
        }

        func send(_ frame: JSONValue) { seat.received(frame.serializedString()) }
    }

    /// Instances a (whose rooms take `maxViewers`) and b on one stand-in broker.
    static func instances(maxViewers: Int = 4) -> (ClusterStandIn, a: Instance, b: Instance) {
        let broker = ClusterStandIn()
        return (broker, Instance("a", on: broker, maxViewers: maxViewers), Instance("b", on: broker))
    }

    @Test func aViewerOnAnotherInstanceIsInTheRoomAtTheProducersHome() async throws {
        let (broker, a, b) = Self.instances()
        var producer = a.producer()
        #expect(broker.retained(Self.homeTopic) == #"{"instance":"a","producer":"\#(producer.peer)"}"#)
        #expect(b.cluster.remoteHome(of: Self.thing) == "a" && a.cluster.remoteHome(of: Self.thing) == nil)

        var viewer = b.viewer()
        #expect(viewer.home == "a")
        let peer = viewer.peer
        // The room at a welcomes it with the peer id b chose, as it would a local viewer.
        #expect(
            await viewer.next()
                == .frame(["type": "welcome", "peer": .string(peer), "role": "viewer", "iceServers": []]))
        #expect(await viewer.next(type: "producer")?["online"] == true)
        #expect(a.hub.viewerCount == 1 && b.hub.viewerCount == 0)
        #expect(await producer.next(type: "viewer-joined")?["viewer"]?.stringValue == peer)

        // Frames both ways, the viewer field right on the producer's side only.
        producer.send(["type": "offer", "viewer": .string(peer), "sdp": "v=0\r\n"])
        #expect(await viewer.next(type: "offer") == ["type": "offer", "sdp": "v=0\r\n"])
        viewer.send(["type": "answer", "sdp": "v=0\r\n", "viewer": "someone-else"])
        #expect(await producer.next(type: "answer") == ["type": "answer", "sdp": "v=0\r\n", "viewer": .string(peer)])
        producer.send(["type": "ice", "viewer": .string(peer), "candidate": "candidate:1", "sdpMLineIndex": 0])
        #expect(await viewer.next(type: "ice") == ["type": "ice", "candidate": "candidate:1", "sdpMLineIndex": 0])
        viewer.send(["type": "ice", "candidate": "", "sdpMLineIndex": 0])
        #expect(await producer.next(type: "ice")?["viewer"]?.stringValue == peer)

        // The room's rules are the home's: a binary frame is refused there; talking needs drive (it has it).
        viewer.seat.receivedBinary()
        #expect(await viewer.next(type: "error")?["message"]?.stringValue?.contains("binary") == true)
        viewer.send(["type": "talk", "on": true])
        #expect(await viewer.next(type: "talker") == ["type": "talker", "viewer": .string(peer), "name": "home"])
        #expect(await producer.next(type: "talker")?["viewer"]?.stringValue == peer)
        viewer.send(["type": "restart"])
        #expect(await producer.next(type: "viewer-joined")?["viewer"]?.stringValue == peer)
        // What the room relays to every viewer reaches it too: the robot's telemetry, who drives.
        a.hub.telemetry(["battery": 0.5])
        #expect(await viewer.next(type: "telemetry") == ["type": "telemetry", "data": ["battery": 0.5]])
        a.hub.controlChanged(to: ControlLease(idleSeconds: 7))
        #expect(await viewer.next(type: "control")?["idleSeconds"] == 7)

        // Its socket closes: the producer hears viewer-left.
        viewer.seat.leave()
        #expect(await producer.next(type: "viewer-left") == ["type": "viewer-left", "viewer": .string(peer)])
        #expect(a.hub.viewerCount == 0)
        #expect(broker.published.contains("robot-server/cluster/to/a/peer/sts-pi/\(peer)"))
        #expect(broker.published.contains("robot-server/cluster/to/b/peer/sts-pi/\(peer)"))
    }

    @Test func aProducerConnectingElsewhereMovesTheRoom() async throws {
        let (broker, a, b) = Self.instances()
        var first = a.producer()
        var local = a.viewer()
        var forwarded = b.viewer()
        #expect(forwarded.home == "a")
        #expect(await forwarded.next(type: "welcome") != nil)

        // A newer producer connects to b: the room is b's now, everywhere.
        var second = b.producer()
        #expect(broker.retained(Self.homeTopic)?.contains(#""instance":"b""#) == true)
        #expect(await first.close() == .close(4000, "replaced by a newer producer for this robot"))
        #expect(await local.close() == .close(4003, ClusterSignaling.movedReason))
        #expect(await forwarded.close() == .close(4003, ClusterSignaling.movedReason))
        forwarded.seat.leave()
        local.seat.leave()
        #expect(a.hub.viewerCount == 0 && !a.hub.producerOnline)

        // The pages reconnect: on b into the room, on a forwarded to b.
        var again = b.viewer()
        #expect(again.home == nil)
        var elsewhere = a.viewer()
        #expect(elsewhere.home == "b")
        #expect(await elsewhere.next(type: "welcome")?["peer"]?.stringValue == elsewhere.peer)
        let joined = [await second.next(type: "viewer-joined"), await second.next(type: "viewer-joined")]
        #expect(Set(joined.compactMap { $0?["viewer"]?.stringValue }) == [again.peer, elsewhere.peer])
        #expect(await again.next(type: "producer")?["online"] == true)
    }

    @Test func anInstanceThatGoesAwayIsNoticedOnBothSides() async throws {
        let (broker, a, b) = Self.instances()
        var producer = a.producer()
        let viewer = b.viewer()
        #expect(await producer.next(type: "viewer-joined")?["viewer"]?.stringValue == viewer.peer)

        // b (the viewer's entry) goes away: its viewers leave the room at a, and the producer hears it.
        broker.setOnline("b", false)
        #expect(await producer.next(type: "viewer-left")?["viewer"]?.stringValue == viewer.peer)
        #expect(a.hub.viewerCount == 0)
        // (b's socket would be gone with b; here it still reads what b had queued.)
        viewer.seat.leave()

        // b is back; a viewer there is forwarded; then a (the home) goes away: b closes it with 4003.
        broker.setOnline("b", true)
        var second = b.viewer()
        #expect(second.home == "a")
        #expect(await second.next(type: "welcome") != nil)
        broker.setOnline("a", false)
        #expect(await second.close() == .close(4003, ClusterSignaling.goneReason))
        second.seat.leave()
        // The home is nobody's while a is offline: a viewer on b joins the room there (the producer comes to it).
        #expect(b.cluster.remoteHome(of: Self.thing) == nil)
        #expect(b.viewer().home == nil)
    }

    @Test func theHomesCapsRefuseAForwardedViewerWithAnErrorAndAClose() async throws {
        let (_, a, b) = Self.instances(maxViewers: 1)
        _ = a.producer()
        var first = b.viewer()
        #expect(await first.next(type: "welcome") != nil)
        var second = b.viewer("guest")
        #expect(
            await second.next() == .frame(["type": "error", "message": "this robot has too many viewers (at most 1)"]))
        #expect(await second.next() == .close(4001, "this robot has too many viewers"))
        #expect(a.hub.viewerCount == 1)
    }

    @Test func reconnectingToTheBrokerStartsEveryForwardedViewerOver() async throws {
        let (broker, a, b) = Self.instances()
        var producer = a.producer()
        var viewer = b.viewer()
        #expect(await producer.next(type: "viewer-joined") != nil)

        // b lost the broker for a while (a may have dropped its viewers): its forwarded sockets reconnect.
        b.cluster.reconnected()
        #expect(await viewer.close() == .close(4003, ClusterSignaling.movedReason))
        viewer.seat.leave()
        #expect(await producer.next(type: "viewer-left")?["viewer"]?.stringValue == viewer.peer)
        // a lost it: its guests leave the room, and their entries are told to close them.
        var again = b.viewer()
        #expect(await producer.next(type: "viewer-joined")?["viewer"]?.stringValue == again.peer)
        a.cluster.reconnected()
        #expect(await producer.next(type: "viewer-left")?["viewer"]?.stringValue == again.peer)
        #expect(await again.close() == .close(4003, ClusterSignaling.movedReason))
        // a's producer is still there: its room is claimed again.
        #expect(broker.retained(Self.homeTopic)?.contains(#""instance":"a""#) == true)
        #expect(b.cluster.remoteHome(of: Self.thing) == "a")
    }
}
