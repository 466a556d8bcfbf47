import BrowserControl
import Foundation
import Synchronization
import Testing
import TestSupport

/// The whole AWS path with our own parts: the IoT credential provider stand-in → the built robotd (simulated
/// motors, `video.kvs` with robot-webrtc) → robot-webrtc as the KVS master → the KVS model → a KVS viewer in headless
/// Chromium. The credentials live 10 s, so robotd refreshes them during the test: it rewrites the credentials file,
/// robot-webrtc keeps its pid and signs its next request (the ICE refresh) with the new key, and the viewer keeps
/// decoding.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KVSRobotdEndToEndTests {
    @Test func robotdStreamsThroughKVSAndHandsOverFreshCredentialsWithoutARestart() async throws {
        let pki = try TestPKI.make()
        // Refreshed after half the lifetime (5 s, as 5 minutes before expiry is already past); the ICE
        // configuration after 80 % of its Ttl (6.4 s), so the ICE refresh comes after the credentials' refresh.
        let provider = try await CredentialProviderFixture.start(pki: pki, script: ["ok:10"])
        let kvs = try await KVSModel.start(pki: pki, iceTtl: 8, credentialProviderLog: provider.logFile)
        let chromium = try await Chromium.start()
        defer { Task { await chromium.stop() } }
        let folder = try ScratchDirectory.make("kvs-robotd")
        let credentialsFile = folder.appending(path: "run/aws-credentials.json")
        let robotWebRTC = try RepositoryPaths.product("robot-webrtc").path
        let arguments = #"["--kvs-no-stun","--ice-loopback","--source","clock","--encoder","x264enc"]"#
        let sections = """
            "credentials":{"endpoint":"https://localhost:\(provider.port)","roleAlias":"robot-camera",\
            "region":"\(KVSModel.region)","retryInitialMs":200,"retryMaxMs":1000},
            "video":{"credentialsFile":"\(credentialsFile.path)","kvs":{"executable":"\(robotWebRTC)",\
            "endpoint":"\(kvs.endpoint.absoluteString)","caFile":"\(kvs.caFile.path)","createChannel":false,\
            "arguments":\(arguments)},\
            "restartInitialMs":300,"stopTimeoutSeconds":2}
            """

        // A viewer already waiting on the channel (the model holds its offer for the master), then robotd.
        let viewer = try await KVSViewerPage.open(
            in: chromium, url: try kvs.viewerURL(clientId: "viewer-robotd", credentials: try kvs.addCredentials()))
        defer { Task { await viewer.close() } }
        let startedAt = Mutex<Double?>(nil)
        let robot = try await RobotdHarness.start(sections: sections) { _ in
            startedAt.withLock { $0 = Date().timeIntervalSince1970 * 1000 }
        }
        defer { Task { await robot.stop() } }
        let masterConnect: [String: Any]
        let first: KVSViewerPage.Stats
        do {
            masterConnect = try await kvs.waitFor("robot-webrtc's master connection", timeout: .seconds(15)) {
                $0["kind"] as? String == "connect" && $0["role"] as? String == "master" && $0["status"] as? Int == 101
            }
            first = try await viewer.waitForFrames(30)
        } catch {
            throw TestSupportError("\(error)\nrobotd:\n\(robot.process.outputTail(lines: 40))")
        }
        let started = try #require(startedAt.withLock { $0 })
        let connectedAt = try #require(masterConnect["time"] as? Double) * 1000
        let firstFrameAt = try #require(first.firstFrameAtMs)
        print(
            "KVS robotd: start → master connected \(Int(connectedAt - started)) ms, → first frame at the viewer "
                + "\(Int(firstFrameAt - started)) ms (\(first))")
        #expect(masterConnect["accessKeyId"] as? String == provider.issued(1)?["accessKeyId"], "\(masterConnect)")
        #expect(
            kvs.entries("message").contains {
                $0["action"] as? String == "SDP_OFFER" && $0["buffered"] as? Bool == true
            },
            "the viewer's offer waited for the master: \(kvs.entries("message").map { "\($0)" })")
        let producerStart = try #require(
            robot.telemetry.first { $0.event == .video && $0.reason == "started" }, "robotd reported the start")
        let pid = try #require(producerStart.extra["pid"]?.doubleValue.map { Int32($0) })

        // The refresh: the file holds the second key, and robot-webrtc signs with it without being restarted.
        let mark = kvs.log.count
        try await provider.waitForRequests(2, timeout: .seconds(10))
        try await robot.waitForTelemetry("handed over", timeout: .seconds(5)) {
            $0.event == .video && $0.reason == "fresh credentials handed over"
        }
        let second = try #require(provider.issued(2))
        let file = try JSONSerialization.jsonObject(with: Data(contentsOf: credentialsFile)) as? [String: String]
        #expect(file?["accessKeyId"] == second["accessKeyId"] && file?["sessionToken"] == second["sessionToken"])
        let signed = try await kvs.waitFor("a request signed with the refreshed key", after: mark) {
            $0["kind"] as? String == "http" && $0["accessKeyId"] as? String == second["accessKeyId"]
        }
        #expect(signed["status"] as? Int == 200, "\(signed)")
        let after = try await viewer.waitForFrames(30, after: try await viewer.stats().framesDecoded)
        #expect(after.connectionState == "connected", "\(after)")
        #expect(kill(pid, 0) == 0, "robot-webrtc (\(pid)) is still running")
        #expect(robot.telemetry.filter { $0.event == .video && $0.reason == "started" }.count == 1, "not restarted")
        #expect(!robot.telemetry.contains { $0.reason == "restarting with fresh credentials" })
        print(
            "KVS robotd: credentials refreshed in the file; robot-webrtc \(pid) kept running, the ICE refresh signed "
                + "with the new key; the viewer decoded \(after.framesDecoded) frames")

        let log = robot.process.output(.any)
        for secret in [second["secretAccessKey"], second["sessionToken"]].compactMap({ $0 }) {
            #expect(!log.contains(secret), "a credential reached robotd's log (robot-webrtc's lines included)")
        }
    }
}
