import Foundation
import HummingbirdWSClient
import StrictJSON
import TestSupport
import Testing

/// Suites that start real processes (brokers, robot-server, robotd, producers, a browser) run one at a time:
/// on a 2-CPU machine, several at once only make each other's timing flaky.
@Suite(.serialized) enum VideoEndToEnd {}

extension VideoEndToEnd {
    /// Real WebSocket clients (HummingbirdWSClient) against the built robot-server on a real broker.
    @Suite(.timeLimit(.minutes(2))) struct SignalingTests {
        @Test func signalingWithoutValidCredentialsIsRefusedBeforeTheUpgrade() async throws {
            let server = try await SignalingServer.start()
            defer { Task { await server.stop() } }
            let upgrade = HTTPExchange.upgradeHeaders

            let anonymous = try await HTTPExchange.get(server.signalURL(), headers: upgrade)
            expectRefusal(anonymous, 401, "unauthorized", detail: "no token")
            #expect(anonymous.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(anonymous.headers.first(name: "Upgrade") == nil, "no upgrade happened: \(anonymous.headers)")

            let wrong = try await HTTPExchange.get(server.signalURL(query: "token=not-a-token"), headers: upgrade)
            expectRefusal(wrong, 401, "unauthorized", detail: "not valid")
            let wrongHeader = try await HTTPExchange.get(
                server.signalURL(), headers: upgrade + [("Authorization", "Bearer not-a-token")])
            expectRefusal(wrongHeader, 401, "unauthorized", detail: "not valid")

            // The home token may not watch rover; nobody has a robot called nope.
            let forbidden = try await HTTPExchange.get(
                server.signalURL("rover", query: "token=\(SignalingServer.homeToken)"), headers: upgrade)
            expectRefusal(forbidden, 403, "forbidden", detail: "lacks the \"view\" role for robot \"rover\"")
            let unknown = try await HTTPExchange.get(
                server.signalURL("nope", query: "token=\(SignalingServer.fleetToken)"), headers: upgrade)
            expectRefusal(unknown, 404, "unknown robot", detail: "nope")
            let badRole = try await HTTPExchange.get(
                server.signalURL(query: "role=admin&token=\(SignalingServer.homeToken)"), headers: upgrade)
            expectRefusal(badRole, 400, "invalid role", detail: "producer or viewer")

            // A real WebSocket client is refused too, and never sees a frame.
            await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
                _ = try await SignalClient.connect(url: server.signalURL(), label: "anonymous")
            }

            // Without an upgrade, a good token learns it may connect.
            let plain = try await HTTPExchange.get(
                server.signalURL(query: "role=producer"),
                headers: [("Authorization", "Bearer \(SignalingServer.producerToken)")])
            #expect(plain.status == 426, "\(plain)")
            #expect(plain.json?["detail"]?.stringValue?.contains("sts-pi as a producer") == true, "\(plain)")

            // A browser's query token opens the socket.
            let viewer = try await SignalClient.connect(
                url: server.signalURL(query: "token=\(SignalingServer.homeToken)"), label: "viewer")
            let welcome = try await viewer.next(type: "welcome")
            #expect(welcome["role"] == "viewer")
            await viewer.close()

            // The REST API and the page are still served by the same server.
            let health = try await HTTPExchange.get(server.baseURL + "/healthz")
            #expect(health.status == 200, "\(health)")
            let page = try await HTTPExchange.get(server.baseURL + "/")
            #expect(page.status == 200 && page.body.contains("<video"), "\(page.status)")
            let robots = try await HTTPExchange.get(
                server.baseURL + "/robots", headers: [("Authorization", "Bearer \(SignalingServer.homeToken)")])
            #expect(robots.json == ["robots": ["sts-pi"], "defaultRobot": "sts-pi"], "\(robots)")
        }

        @Test func offersAnswersAndCandidatesAreRelayedBetweenProducerAndViewer() async throws {
            let server = try await SignalingServer.start(
                video: #"{"iceServers":[{"urls":"stun:stun.example.test:3478"},"#
                    + #"{"urls":["turn:turn.example.test:3478?transport=udp"],"username":"u","credential":"c"}]}"#)
            defer { Task { await server.stop() } }
            let producer = try await server.connect("producer")
            let producerWelcome = try await producer.next(type: "welcome")
            #expect(producerWelcome["role"] == "producer")
            let iceServers: JSONValue = [
                ["urls": ["stun:stun.example.test:3478"]],
                ["urls": ["turn:turn.example.test:3478?transport=udp"], "username": "u", "credential": "c"],
            ]
            #expect(producerWelcome["iceServers"] == iceServers)

            let viewer = try await server.connect("viewer")
            let welcome = try await viewer.next(type: "welcome")
            let viewerID = try #require(welcome["peer"]?.stringValue)
            #expect(welcome["role"] == "viewer" && welcome["iceServers"] == iceServers)
            #expect(try await viewer.next(type: "producer")["online"] == true)
            let joined = try await producer.next(type: "viewer-joined")
            #expect(joined["viewer"]?.stringValue == viewerID)

            // Producer → viewer: the viewer field is the address, and is removed.
            try await producer.send(["type": "offer", "viewer": .string(viewerID), "sdp": "v=0 offer"])
            #expect(try await viewer.next(type: "offer") == ["type": "offer", "sdp": "v=0 offer"])
            try await producer.send(
                [
                    "type": "ice", "viewer": .string(viewerID),
                    "candidate": "candidate:1 1 UDP 1 127.0.0.1 5000 typ host",
                    "sdpMLineIndex": 0,
                ])
            #expect(
                try await viewer.next(type: "ice")
                    == ["type": "ice", "candidate": "candidate:1 1 UDP 1 127.0.0.1 5000 typ host", "sdpMLineIndex": 0])

            // Viewer → producer: the server names the viewer, whatever the viewer claims.
            try await viewer.send(["type": "answer", "sdp": "v=0 answer", "viewer": "viewer-somebodyelse"])
            let answer = try await producer.next(type: "answer")
            #expect(answer == ["type": "answer", "sdp": "v=0 answer", "viewer": .string(viewerID)])
            try await viewer.send(["type": "ice", "candidate": "candidate:2", "sdpMLineIndex": 0, "sdpMid": "0"])
            let ice = try await producer.next(type: "ice")
            #expect(ice["viewer"]?.stringValue == viewerID && ice["candidate"] == "candidate:2" && ice["sdpMid"] == "0")

            // Bad frames get an error frame; the socket stays open.
            try await viewer.send("not json")
            #expect(try await viewer.next(type: "error")["message"]?.stringValue?.contains("not JSON") == true)
            try await viewer.send(["type": "offer", "sdp": "v=0"])
            #expect(try await viewer.next(type: "error")["message"]?.stringValue?.contains("answer or ice") == true)
            try await viewer.send(["type": "answer"])
            #expect(try await viewer.next(type: "error")["message"]?.stringValue?.contains("sdp") == true)
            try await viewer.sendBinary([1, 2, 3])
            #expect(try await viewer.next(type: "error")["message"]?.stringValue?.contains("binary") == true)
            try await producer.send(["type": "offer", "viewer": "viewer-000000000000", "sdp": "v=0"])
            #expect(try await producer.next(type: "error")["message"]?.stringValue?.contains("no viewer") == true)
            try await producer.send(["type": "ice", "viewer": .string(viewerID), "sdpMLineIndex": -1, "candidate": "c"])
            #expect(try await producer.next(type: "error")["message"]?.stringValue?.contains("sdpMLineIndex") == true)

            try await viewer.send(["type": "answer", "sdp": "v=0 second"])
            #expect(try await producer.next(type: "answer")["sdp"] == "v=0 second")
            #expect(!viewer.isClosed && !producer.isClosed)
            await viewer.close()
            await producer.close()
        }

        @Test func theProducerHearsOfWaitingViewersAndOfViewersLeaving() async throws {
            let server = try await SignalingServer.start()
            defer { Task { await server.stop() } }
            let first = try await server.connect("viewer")
            let firstID = try #require(try await first.next(type: "welcome")["peer"]?.stringValue)
            #expect(try await first.next(type: "producer")["online"] == false)

            let producer = try await server.connect("producer")
            try await producer.next(type: "welcome")
            #expect(try await producer.next(type: "viewer-joined")["viewer"]?.stringValue == firstID)
            #expect(try await first.next(type: "producer")["online"] == true)

            let second = try await server.connect("viewer")
            let secondID = try #require(try await second.next(type: "welcome")["peer"]?.stringValue)
            #expect(try await second.next(type: "producer")["online"] == true)
            #expect(try await producer.next(type: "viewer-joined")["viewer"]?.stringValue == secondID)

            await first.close()
            _ = try await first.waitUntilClosed()
            #expect(try await producer.next(type: "viewer-left")["viewer"]?.stringValue == firstID)

            // The other viewer is not disturbed.
            try await producer.send(["type": "offer", "viewer": .string(secondID), "sdp": "v=0 still here"])
            #expect(try await second.next(type: "offer")["sdp"] == "v=0 still here")
            try await producer.send(["type": "offer", "viewer": .string(firstID), "sdp": "v=0 gone"])
            #expect(try await producer.next(type: "error")["message"]?.stringValue?.contains("no viewer") == true)

            // The producer going away is news for the viewers.
            await producer.close()
            #expect(try await second.next(type: "producer")["online"] == false)
            await second.close()
        }

        @Test func aNewProducerReplacesTheOldOne() async throws {
            let server = try await SignalingServer.start()
            defer { Task { await server.stop() } }
            let old = try await server.connect("producer")
            try await old.next(type: "welcome")
            let viewer = try await server.connect("viewer")
            let viewerID = try #require(try await viewer.next(type: "welcome")["peer"]?.stringValue)
            #expect(try await viewer.next(type: "producer")["online"] == true)
            try await old.next(type: "viewer-joined")

            let new = try await server.connect("producer", token: SignalingServer.fleetToken)
            try await new.next(type: "welcome")
            #expect(try await new.next(type: "viewer-joined")["viewer"]?.stringValue == viewerID)
            let close = try await old.waitUntilClosed()
            #expect(close?.closeCode == .unknown(4000), "the old producer is told why: \(String(describing: close))")
            #expect(close?.reason?.contains("replaced") == true)
            // The viewer starts over with the new producer.
            #expect(try await viewer.next(type: "producer")["online"] == false)
            #expect(try await viewer.next(type: "producer")["online"] == true)

            try await new.send(["type": "offer", "viewer": .string(viewerID), "sdp": "v=0 from the new one"])
            #expect(try await viewer.next(type: "offer")["sdp"] == "v=0 from the new one")
            // The old producer's socket closing did not take the new one offline.
            #expect(viewer.count(type: "producer") == 3, "\(viewer.frames)")
            #expect(!new.isClosed)
            await viewer.close()
            await new.close()
        }

        @Test func telemetryReachesTheRobotsViewersOnly() async throws {
            let server = try await SignalingServer.start()
            defer { Task { await server.stop() } }
            let viewer = try await server.connect("viewer")
            try await viewer.next(type: "welcome")
            let roverViewer = try await server.connect("viewer", thing: "rover", token: SignalingServer.fleetToken)
            try await roverViewer.next(type: "welcome")

            try await server.publishAsAdmin("sts-pi/telemetry", "not json")
            let telemetry = #"{"thingName":"sts-pi","event":"command","left":0.5,"right":0.5,"id":"t1"}"#
            try await server.publishAsAdmin("sts-pi/telemetry", telemetry)
            let frame = try await viewer.next(type: "telemetry")
            #expect(frame["data"] == (try JSONParser.parse(telemetry)), "the message is relayed as it was published")

            try await server.publishAsAdmin("rover/telemetry", #"{"thingName":"rover","event":"heartbeat"}"#)
            #expect(try await roverViewer.next(type: "telemetry")["data"]?["thingName"] == "rover")
            #expect(viewer.count(type: "telemetry") == 1, "only sts-pi's telemetry, and not the non-JSON payload")
            #expect(roverViewer.count(type: "telemetry") == 1)

            // A viewer who comes later learns the robot's state at once.
            let late = try await server.connect("viewer")
            try await late.next(type: "welcome")
            #expect(try await late.next(type: "telemetry")["data"]?["id"] == "t1")
            await late.close()
            await viewer.close()
            await roverViewer.close()
        }

        @Test func oversizeFramesCloseTheSocketAndTheViewerLimitHolds() async throws {
            let server = try await SignalingServer.start(video: #"{"maxViewers":1}"#)
            defer { Task { await server.stop() } }
            let producer = try await server.connect("producer")
            try await producer.next(type: "welcome")
            let viewer = try await server.connect("viewer")
            let viewerID = try #require(try await viewer.next(type: "welcome")["peer"]?.stringValue)

            // Only one viewer may watch: the second is refused before the upgrade.
            let refused = try await HTTPExchange.get(
                server.signalURL(query: "token=\(SignalingServer.homeToken)"), headers: HTTPExchange.upgradeHeaders)
            expectRefusal(refused, 503, "too many viewers", detail: "maxViewers")

            try await viewer.send(#"{"type":"answer","sdp":""# + String(repeating: "x", count: 70_000) + #""}"#)
            _ = try? await viewer.waitUntilClosed()
            #expect(viewer.isClosed)
            #expect(try await producer.next(type: "viewer-left")["viewer"]?.stringValue == viewerID)

            // The seat is free again.
            let next = try await server.connect("viewer")
            try await next.next(type: "welcome")
            await next.close()
            await producer.close()
        }

        @Test func robotServerStopsPromptlyWithSocketsOpen() async throws {
            let server = try await SignalingServer.start()
            defer { Task { await server.stop() } }
            let producer = try await server.connect("producer")
            try await producer.next(type: "welcome")
            let viewer = try await server.connect("viewer")
            try await viewer.next(type: "welcome")

            let stopping = ContinuousClock.now
            server.server.signal(SIGTERM)
            let ended = try await server.server.waitForExit(timeout: .seconds(10))
            #expect(ended == .exited(0), "\(server.server.outputTail())")
            #expect(ContinuousClock.now - stopping < .seconds(5), "open WebSockets do not hold the shutdown up")
            _ = try? await viewer.waitUntilClosed()
            _ = try? await producer.waitUntilClosed()
            #expect(viewer.isClosed && producer.isClosed)
        }

        private func expectRefusal(
            _ answer: HTTPExchange, _ status: Int, _ error: String, detail: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(answer.status == status, "\(answer)", sourceLocation: sourceLocation)
            #expect(answer.json?["error"]?.stringValue == error, "\(answer)", sourceLocation: sourceLocation)
            #expect(
                answer.json?["detail"]?.stringValue?.contains(detail) == true, "\(answer)",
                sourceLocation: sourceLocation)
            #expect(
                answer.headers.first(name: "Content-Type") == "application/json", "\(answer.headers)",
                sourceLocation: sourceLocation)
        }
    }
}
