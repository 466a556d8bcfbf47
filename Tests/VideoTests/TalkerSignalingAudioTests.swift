import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// Push to talk over real WebSockets (HummingbirdWSClient) against the built robot-server: the server says who
    /// talks, to the producer and every viewer, and refuses a token without `drive` and a second talker.
    @Suite(.timeLimit(.minutes(2))) struct TalkerSignalingAudioTests {
        @Test func oneViewerTalksAtATimeAndEveryoneIsTold() async throws {
            let server = try await SignalingServer.start()
            defer { Task { await server.stop() } }
            let nobody: JSONValue = ["type": "talker", "viewer": .null, "name": .null]

            let producer = try await server.connect("producer")
            try await producer.next(type: "talker")
            let home = try await server.connect("viewer")  // the home token: drive and view
            let homeID = try #require(try await home.next(type: "welcome")["peer"]?.stringValue)
            #expect(try await home.next(type: "talker") == nobody)
            let watcher = try await server.connect("viewer", token: SignalingServer.viewerToken)  // view only
            try await watcher.next(type: "talker")

            // A token that may only watch cannot talk.
            try await watcher.send(#"{"type":"talk","on":true}"#)
            #expect(
                try await watcher.next(type: "error")["message"]
                    == "talking through the robot needs the drive role on sts-pi; this token has view")

            // The home token takes the floor: the producer and every viewer hear it.
            try await home.send(#"{"type":"talk","on":true}"#)
            let talking: JSONValue = ["type": "talker", "viewer": .string(homeID), "name": "home"]
            #expect(try await producer.next(type: "talker") == talking)
            #expect(try await home.next(type: "talker") == talking)
            #expect(try await watcher.next(type: "talker") == talking)

            // A late joiner hears it right after its welcome, and cannot talk over it.
            let fleet = try await server.connect("viewer", token: SignalingServer.fleetToken)
            #expect(try await fleet.next(type: "talker") == talking)
            #expect(fleet.frames.prefix(2).map { $0["type"] } == ["welcome", "talker"])
            try await fleet.send(#"{"type":"talk","on":true}"#)
            #expect(
                try await fleet.next(type: "error")["message"]
                    == "home is talking through the robot; wait until they release")

            // The talker's socket closes: nobody talks, and everyone still there is told.
            await home.close()
            #expect(try await producer.next(type: "talker") == nobody)
            #expect(try await watcher.next(type: "talker") == nobody)
            #expect(try await fleet.next(type: "talker") == nobody)

            // Now the fleet token may talk, and give the floor back.
            try await fleet.send(#"{"type":"talk","on":true}"#)
            #expect(try await producer.next(type: "talker")["name"] == "fleet")
            try await fleet.send(#"{"type":"talk","on":false}"#)
            #expect(try await producer.next(type: "talker") == nobody)
            #expect(fleet.count(type: "error") == 1 && watcher.count(type: "error") == 1)
            await fleet.close()
            await watcher.close()
            await producer.close()
        }
    }
}
