import Basics
import Foundation
import RobotServer
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// robot-server's minted TURN credentials (`video.turn`) against a real coturn (Debian's `turnserver`, REST API
    /// secret) on 127.0.0.1: coturn's own client (`turnutils_uclient`) allocates with what a viewer's welcome carries
    /// and is refused with anything else; robot-webrtc's webrtcbin allocates with the producer's.
    ///
    /// Expired credentials cannot come from robot-server (`ttlSeconds` is at least 60, and waiting a minute proves
    /// little): the test mints them with ``TURNCredentialMinter`` itself — the type robot-server mints with, time
    /// passed in — at a `now` twice the lifetime in the past, and first checks that the same minter's credentials for
    /// the present are accepted, so the refusal is the expiry's.
    @Suite(.timeLimit(.minutes(3))) struct TURNCredentialCoturnTests {
        static let ttl = 600

        /// A random secret in a 0600 file, as an operator writes it (with a trailing line break).
        static func secret() throws -> (String, URL) {
            let secret = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 36) }.joined()
            let file = try ScratchDirectory.make("turn-secret").appending(path: "turn-secret")
            guard
                FileManager.default.createFile(
                    atPath: file.path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw TestSupportError("cannot write \(file.path)") }
            return (secret, file)
        }

        /// Runs `body` with a coturn on a random secret and robot-server with one static STUN server (kept, and
        /// first) and `video.turn` on that coturn; stops both whatever happens.
        static func withCoturnAndServer(
            _ body: (String, Coturn, SignalingServer) async throws -> Void
        ) async throws {
            let (secret, secretFile) = try Self.secret()
            let coturn = try await Coturn.start(secret: secret)
            let urls = JSONValue.array(coturn.urls.map(JSONValue.string)).serializedString()
            let video =
                #"{"iceServers":[{"urls":"stun:stun.example.test:3478"}],"#
                + #""turn":{"urls":\#(urls),"secretFile":"\#(secretFile.path)","ttlSeconds":\#(ttl)}}"#
            let server: SignalingServer
            do {
                server = try await SignalingServer.start(video: video)
            } catch {
                await coturn.stop()
                throw error
            }
            do {
                try await body(secret, coturn, server)
            } catch {
                await server.stop()
                await coturn.stop()
                throw error
            }
            await server.stop()
            await coturn.stop()
        }

        func expectAllocated(_ result: ChildProcess.Result, _ what: String) {
            #expect(
                result.termination == .exited(0) && result.standardOutput.contains("Total lost packets 0 ("),
                "\(what): turnutils_uclient \(result.termination)\n\(result.standardOutput)\(result.standardError)")
        }

        func expectRefused(_ result: ChildProcess.Result, _ what: String) {
            #expect(
                result.termination != .exited(0)
                    && (result.standardOutput + result.standardError).contains("Cannot complete Allocation"),
                "\(what): turnutils_uclient \(result.termination)\n\(result.standardOutput)\(result.standardError)")
        }

        @Test func aViewersWelcomeCredentialsAllocateOnCoturnAndForgedOrExpiredOnesDoNot() async throws {
            try await Self.withCoturnAndServer { secret, coturn, server in
                try await checkWelcomeCredentials(secret: secret, coturn: coturn, server: server)
            }
        }

        func checkWelcomeCredentials(secret: String, coturn: Coturn, server: SignalingServer) async throws {

            let before = Timestamp.now().secondsSinceEpoch
            let viewer = try await server.connect("viewer")
            let welcome = try await viewer.next(type: "welcome")
            let after = Timestamp.now().secondsSinceEpoch
            await viewer.close()
            let servers = try #require(welcome["iceServers"]?.arrayValue, "\(welcome)")
            try #require(servers.count == 2, "\(welcome)")
            #expect(servers[0] == ["urls": ["stun:stun.example.test:3478"]])
            #expect(servers[1]["urls"] == .array(coturn.urls.map(JSONValue.string)))
            let username = try #require(servers[1]["username"]?.stringValue)
            let credential = try #require(servers[1]["credential"]?.stringValue)
            let parts = username.split(separator: ":", maxSplits: 1)
            let expiry = try #require(Int64(parts[0]), "\(username)")
            #expect((before + Int64(Self.ttl))...(after + Int64(Self.ttl)) ~= expiry, "\(username)")
            #expect(parts.count == 2 && String(parts[1]) == welcome["peer"]?.stringValue, "\(username) \(welcome)")

            // What the welcome carries allocates, over UDP and TCP: two relays that pass messages to each other.
            expectAllocated(try await coturn.runClient(username: username, credential: credential), "UDP")
            expectAllocated(try await coturn.runClient(username: username, credential: credential, tcp: true), "TCP")
            #expect(
                coturn.log.contains("user <\(username)>: incoming packet ALLOCATE processed, success"),
                "coturn's log:\n\(coturn.log.suffix(3000))")

            // One character changed in the credential: refused.
            let flipped = (credential.first == "A" ? "B" : "A") + credential.dropFirst()
            expectRefused(try await coturn.runClient(username: username, credential: flipped), "tampered credential")
            // The right form, another secret: refused.
            let stranger = TURNCredentialMinter(urls: coturn.urls, secret: TURNSecret("not-the-secret".utf8))
                .credentials(for: "viewer-1", now: .now())
            expectRefused(
                try await coturn.runClient(username: stranger.username, credential: stranger.credential),
                "wrong secret")
            // The right secret through the minter: accepted now, refused once expired.
            let minter = TURNCredentialMinter(urls: coturn.urls, secret: TURNSecret(secret.utf8), ttlSeconds: Self.ttl)
            let present = minter.credentials(for: "viewer-1", now: .now())
            expectAllocated(
                try await coturn.runClient(username: present.username, credential: present.credential),
                "the minter's present credentials")
            let past = try #require(
                Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - 2 * Int64(Self.ttl)))
            let expired = minter.credentials(for: "viewer-1", now: past)
            expectRefused(
                try await coturn.runClient(username: expired.username, credential: expired.credential), "expired")

            // The secret is in no log line, no health or metrics answer.
            let health = try await HTTPExchange.get(server.baseURL + "/healthz")
            let metrics = try await HTTPExchange.get(server.baseURL + "/metrics")
            #expect(health.status == 200 && metrics.status == 200, "\(health.status) \(metrics.status)")
            let log = server.server.output(.any)
            #expect(log.contains("minting short-lived TURN credentials"), "\(server.server.outputTail())")
            for (name, text) in [("robot-server's log", log), ("/healthz", health.body), ("/metrics", metrics.body)] {
                #expect(!text.contains(secret), "\(name) shows the TURN secret")
            }
        }

        /// webrtcbin takes a TURN server as `turn://user:password@host:port`: the minted user name's `:` goes in
        /// percent-encoded (`ICEServer+Webrtcbin`). That webrtcbin decodes it and allocates is shown here: the built
        /// robot-webrtc, told of a viewer, gathers a relayed candidate on coturn, which logs the producer's user name.
        @Test func theProducersWebrtcbinAllocatesWithItsMintedCredentials() async throws {
            try await Self.withCoturnAndServer { secret, coturn, server in
                try await checkProducerAllocation(secret: secret, coturn: coturn, server: server)
            }
        }

        func checkProducerAllocation(secret: String, coturn: Coturn, server: SignalingServer) async throws {
            let folder = try ScratchDirectory.make("producer")
            let tokenFile = folder.appending(path: "token")
            try Data(SignalingServer.producerToken.utf8).write(to: tokenFile)
            let producer = try ChildProcess.start(
                try RepositoryPaths.product("robot-webrtc").path,
                [
                    "--server", "ws://127.0.0.1:\(server.port)", "--thing", "sts-pi", "--token-file", tokenFile.path,
                    "--source", "videotestsrc", "--width", "320", "--height", "240", "--fps", "15", "--ice-loopback",
                ], outputDirectory: folder)
            do {
                try await watchRelayCandidate(producer: producer, coturn: coturn, server: server)
            } catch {
                _ = try? await producer.terminate()
                throw error
            }
            _ = try? await producer.terminate()
            #expect(!producer.output(.any).contains(secret), "robot-webrtc shows the TURN secret")
        }

        /// A viewer joins: the producer's offer comes, then a relayed candidate allocated with the producer's user name.
        func watchRelayCandidate(producer: ChildProcess, coturn: Coturn, server: SignalingServer) async throws {
            try await server.server.waitUntilOutput(contains: "a video producer connected", timeout: .seconds(30))
            let viewer = try await server.connect("viewer")
            try await viewer.next(type: "offer", timeout: .seconds(20))
            let relayed = try await viewer.next(type: "ice", timeout: .seconds(20)) {
                $0["candidate"]?.stringValue?.contains(" typ relay ") == true
            }
            let candidate = relayed["candidate"]?.stringValue ?? ""
            #expect(candidate.contains(" 127.0.0.1 "), "the relay address is coturn's: \(candidate)")
            await viewer.close()

            // coturn's log: an allocation by `<expiry>:producer-…` (the viewer's own welcome names `viewer-…`).
            let allocated = coturn.log.split(separator: "\n").filter {
                $0.contains(":producer-") && $0.contains("ALLOCATE processed, success")
            }
            #expect(!allocated.isEmpty, "coturn's log:\n\(coturn.log.suffix(3000))")
        }
    }
}
