import DriveProtocol
import Foundation
import TestSupport
import Testing

/// The real robotd with video on: credentials from the local credential provider, a fake producer that records
/// what it was given.
@Suite(.serialized, .timeLimit(.minutes(3))) struct VideoServiceTests {
    struct Setup {
        let robot: RobotdHarness
        let provider: CredentialProviderFixture
        let producer: FakeProducer
    }

    /// - Parameter credentialsFile: with one, the producer is a KVS master like robot-webrtc (`video.kvs`), which
    ///   gets its credentials in that file; without, it gets them in its environment (`video.command`).
    func start(
        script: [String] = ["ok"], behavior: String = "run", video: String = "", credentials: String = "",
        credentialsFile: String? = nil
    ) async throws -> Setup {
        let pki = try TestPKI.make()
        let provider = try await CredentialProviderFixture.start(pki: pki, script: script)
        let producer = try FakeProducer()
        try producer.setBehavior(behavior)
        let program =
            if let credentialsFile {
                #""credentialsFile":"\#(credentialsFile)","kvs":{"executable":"\#(producer.script.path)","createChannel":false}"#
            } else {
                #""command":["\#(producer.script.path)","--channel","{thingName}"]"#
            }
        let sections = """
            "credentials":{"endpoint":"https://localhost:\(provider.port)","roleAlias":"robot-camera",\
            "region":"eu-west-1","retryInitialMs":200,"retryMaxMs":1000,"connectTimeoutSeconds":1,\
            "timeoutSeconds":2\(credentials)},
            "video":{"enabled":true,\(program),\
            "restartInitialMs":300,"restartMaxMs":1200,"stopTimeoutSeconds":1\(video)}
            """
        let robot = try await RobotdHarness.start(sections: sections, environment: producer.environment)
        return Setup(robot: robot, provider: provider, producer: producer)
    }

    func env(_ start: [String: Any]) -> [String: String] { start["env"] as? [String: String] ?? [:] }
    func pid(_ start: [String: Any]) -> Int32 { Int32(start["pid"] as? Int ?? -1) }

    @Test func theProducerRunsWithTheCurrentCredentialsInItsEnvironment() async throws {
        let setup = try await start()
        defer { Task { await setup.robot.stop() } }
        let first = try #require(try await setup.producer.waitForStarts(1).first)
        let issued = try #require(setup.provider.issued(1))
        #expect(first["argv"] as? [String] == ["--channel", "sts-pi"], "{thingName} replaced, no shell")
        let environment = env(first)
        #expect(environment["AWS_ACCESS_KEY_ID"] == issued["accessKeyId"])
        #expect(environment["AWS_SECRET_ACCESS_KEY"] == issued["secretAccessKey"])
        #expect(environment["AWS_SESSION_TOKEN"] == issued["sessionToken"])
        #expect(environment["AWS_DEFAULT_REGION"] == "eu-west-1")
        let caPath = setup.robot.configFile.deletingLastPathComponent().appending(path: "pki/ca.crt").path
        #expect(environment["AWS_KVS_CACERT_PATH"] == caPath)
        #expect(environment.count == 5, "no other AWS_ variable: \(environment.keys.sorted())")
        // Its own process group, child of robotd.
        #expect(pid(first) == Int32(first["pgid"] as? Int ?? 0))
        #expect(Int32(first["ppid"] as? Int ?? 0) == setup.robot.process.processIdentifier)
        // The request the provider saw.
        let request = try #require(setup.provider.requests.first)
        #expect(request["path"] as? String == "/role-aliases/robot-camera/credentials")
        #expect(request["thing"] as? String == "sts-pi" && request["cn"] as? String == "sts-pi")
        // Output forwarded into robotd's log, line by line, prefixed.
        try await setup.robot.process.waitUntilOutput(contains: "video: fake producer \(pid(first)) started")
        try await setup.robot.process.waitUntilOutput(
            contains: "video: fake producer \(pid(first)) says hello on stderr")
        try await setup.robot.waitForTelemetry("video started") { $0.event == .video && $0.reason == "started" }
        // Secrets never reach the log.
        let log = setup.robot.process.output(.any)
        for secret in [issued["accessKeyId"]!, issued["secretAccessKey"]!, issued["sessionToken"]!] {
            #expect(!log.contains(secret), "robotd logged a credential")
        }
    }

    @Test func aCrashingProducerIsRestartedWithBackOffAndReported() async throws {
        let setup = try await start(behavior: "crash")
        defer { Task { await setup.robot.stop() } }
        let starts = try await setup.producer.waitForStarts(4, timeout: .seconds(15))
        try setup.producer.setBehavior("run")
        let times = starts.prefix(4).compactMap { $0["time"] as? Double }
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        // Back-off 300 ms, 600 ms, 1200 ms (plus the time to start Python).
        #expect(gaps[0] >= 0.3 && gaps[1] >= 0.6 && gaps[2] >= 1.2, "gaps \(gaps)")
        #expect(gaps[1] > gaps[0] && gaps[2] > gaps[1], "growing gaps \(gaps)")
        let crashed = try await setup.robot.waitForTelemetry("video crashed") {
            $0.event == .video && $0.reason?.hasPrefix("crashed: signal 11") == true
        }
        #expect(crashed.extra["restartInMs"]?.doubleValue == 300)
        try await setup.robot.process.waitUntilOutput(contains: "video: producer crashed: signal 11")
        // Video trouble never stops driving.
        try await setup.robot.send(#"{"action":"forward","id":"still-drives"}"#)
        try await setup.robot.waitForTelemetry("command") { $0.id == "still-drives" && $0.event == .command }
        let running = try await setup.producer.waitForStarts(5, timeout: .seconds(10))
        #expect(running[4]["behavior"] as? String == "run")
    }

    @Test func anExitIsRestartedAndReportedWithItsStatus() async throws {
        let setup = try await start(behavior: "exit 3")
        defer { Task { await setup.robot.stop() } }
        try await setup.producer.waitForStarts(2)
        try setup.producer.setBehavior("run")
        try await setup.robot.waitForTelemetry("video exited") {
            $0.event == .video && $0.reason == "exited: exit status 3"
        }
    }

    @Test func rotationRestartsTheProducerWithNewCredentialsBeforeTheOldOnesExpire() async throws {
        // Credentials valid 8 s (7 on the provider's clock if a second ticks during the request): refreshed after
        // half the lifetime, 3.5–4 s, as 5 minutes before expiry is already past.
        let setup = try await start(script: ["ok:8"])
        defer { Task { await setup.robot.stop() } }
        let starts = try await setup.producer.waitForStarts(2, timeout: .seconds(10))
        let requests = try await setup.provider.waitForRequests(2)
        let first = try #require(requests[0]["time"] as? Double)
        let second = try #require(requests[1]["time"] as? Double)
        #expect(second - first > 3.4 && second - first < 5, "refreshed \(second - first) s after the first fetch")
        #expect(env(starts[0])["AWS_ACCESS_KEY_ID"] == "ASIAFAKE1")
        #expect(env(starts[1])["AWS_ACCESS_KEY_ID"] == "ASIAFAKE2")
        #expect(env(starts[1])["AWS_SESSION_TOKEN"] == setup.provider.issued(2)?["sessionToken"])
        let expiry = first + 7
        let restartedAt = try #require(starts[1]["time"] as? Double)
        #expect(restartedAt < expiry, "restarted \(expiry - restartedAt) s before the old credentials expired")
        // The old producer was asked to stop (SIGTERM), not killed, and is gone.
        #expect(setup.producer.events.contains { ($0["pid"] as? Int).map(Int32.init) == pid(starts[0]) })
        #expect(!FakeProducer.isAlive(pid(starts[0])))
        try await setup.robot.waitForTelemetry("rotation") {
            $0.event == .video && $0.reason == "restarting with fresh credentials"
        }
    }

    @Test func aKVSMasterGetsFreshCredentialsInItsFileAndKeepsItsPid() async throws {
        // robot-webrtc as a KVS master: the credentials go to a file it re-reads, so a refresh (after half of the
        // 8 s lifetime) rewrites the file and the producer keeps running — its viewers stay connected.
        let folder = try ScratchDirectory.make("kvs-credentials")
        let file = folder.appending(path: "run/aws-credentials.json")  // run/ is robotd's to create
        let setup = try await start(script: ["ok:8"], credentialsFile: file.path)
        defer { Task { await setup.robot.stop() } }
        let first = try #require(try await setup.producer.waitForStarts(1).first)
        #expect(
            first["argv"] as? [String] == [
                "--kvs-channel", "sts-pi", "--region", "eu-west-1", "--aws-credentials-file", file.path,
            ])
        #expect(env(first).isEmpty, "no AWS_ variable: \(env(first).keys.sorted())")
        try expectFile(file, holds: try #require(setup.provider.issued(1)))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: file.deletingLastPathComponent().path)
        #expect(folderAttributes[.posixPermissions] as? Int == 0o700)

        try await setup.provider.waitForRequests(2)
        try await setup.robot.waitForTelemetry("handed over", timeout: .seconds(8)) {
            $0.event == .video && $0.reason == "fresh credentials handed over"
        }
        try expectFile(file, holds: try #require(setup.provider.issued(2)))
        #expect(setup.producer.starts.count == 1, "not restarted")
        #expect(FakeProducer.isAlive(pid(first)) && setup.producer.events.isEmpty, "never asked to stop")
        let log = setup.robot.process.output(.any)
        for issued in [setup.provider.issued(1), setup.provider.issued(2)] {
            for secret in [issued?["secretAccessKey"], issued?["sessionToken"]].compactMap({ $0 }) {
                #expect(!log.contains(secret), "robotd logged a credential")
            }
        }
        // Gone with robotd.
        let termination = try await setup.robot.process.terminate(timeout: .seconds(10))
        #expect(termination == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: file.path), "the credentials outlived robotd")
    }

    /// The file is the provider's `credentials` object, as `AWSCredentialsSource.file` reads it.
    func expectFile(_ file: URL, holds issued: [String: String]) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: String]
        for key in ["accessKeyId", "secretAccessKey", "sessionToken"] {
            #expect(object?[key] == issued[key], "\(key)")
        }
        let expiration = try #require(object?["expiration"]).prefix(19)
        #expect(issued["expiration"]?.hasPrefix(expiration) == true, "\(expiration) vs \(issued["expiration"] ?? "")")
    }

    @Test func aServerErrorIsRetriedAndThenTheProducerStarts() async throws {
        let setup = try await start(script: ["500", "ok"])
        defer { Task { await setup.robot.stop() } }
        let starts = try await setup.producer.waitForStarts(1)
        #expect(env(starts[0])["AWS_ACCESS_KEY_ID"] == "ASIAFAKE2")
        let requests = setup.provider.requests
        let gap = (requests[1]["time"] as? Double ?? 0) - (requests[0]["time"] as? Double ?? 0)
        #expect(gap >= 0.2 && gap < 2, "retried after \(gap) s")
        try await setup.robot.process.waitUntilOutput(contains: "HTTP 500")
    }

    @Test func aRefusedRoleAliasNamesThePolicyAndNeverStopsDriving() async throws {
        let setup = try await start(script: ["403"])
        defer { Task { await setup.robot.stop() } }
        try await setup.robot.process.waitUntilOutput(contains: "iot:AssumeRoleWithCertificate")
        try await setup.robot.waitForTelemetry("credentials unavailable") {
            $0.event == .video && $0.reason?.hasPrefix("credentials unavailable:") == true
        }
        #expect(setup.producer.starts.isEmpty)
        try await setup.robot.send(#"{"action":"left","id":"no-video"}"#)
        try await setup.robot.waitForTelemetry("command") { $0.id == "no-video" && $0.event == .command }
    }

    @Test func sigtermOfRobotdStopsTheProducer() async throws {
        let setup = try await start()
        let first = try #require(try await setup.producer.waitForStarts(1).first)
        try await setup.robot.process.waitUntilOutput(contains: "listening for drive commands")
        let termination = try await setup.robot.process.terminate(timeout: .seconds(10))
        #expect(termination == .exited(0), "\(setup.robot.process.outputTail())")
        #expect(setup.producer.events.contains { ($0["pid"] as? Int).map(Int32.init) == pid(first) })
        #expect(FakeProducer.liveMembers(ofGroup: pid(first)).isEmpty)
        await setup.robot.stop()
    }

    @Test func aProducerThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let setup = try await start(behavior: "ignore-term")
        let first = try #require(try await setup.producer.waitForStarts(1).first)
        try await Task.sleep(for: .milliseconds(300))  // let it install its handler
        let started = ContinuousClock.now
        let termination = try await setup.robot.process.terminate(timeout: .seconds(10))
        let elapsed = ContinuousClock.now - started
        #expect(termination == .exited(0))
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(5), "robotd took \(elapsed) to stop")
        #expect(!FakeProducer.isAlive(pid(first)))
        await setup.robot.stop()
    }

    @Test func afterKill9OfRobotdNoProducerIsLeft() async throws {
        let setup = try await start()
        let first = try #require(try await setup.producer.waitForStarts(1).first)
        #expect(FakeProducer.isAlive(pid(first)))
        setup.robot.process.signal(SIGKILL)  // robotd only: the producer has a group of its own
        _ = try await setup.robot.process.waitForExit()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(3)
        while FakeProducer.isAlive(pid(first)) && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!FakeProducer.isAlive(pid(first)), "the producer outlived robotd")
        #expect(FakeProducer.liveMembers(ofGroup: pid(first)).isEmpty)
        await setup.robot.stop()
    }

    /// Self-hosted video (robot-webrtc through robot-server): no credentials section, so the producer starts at
    /// once, without any AWS_ variable.
    @Test func videoWithoutACredentialsSectionStartsTheProducerWithoutAWSCredentials() async throws {
        let producer = try FakeProducer()
        let robot = try await RobotdHarness.start(
            sections: #""video":{"enabled":true,"command":["\#(producer.script.path)","{thingName}"]}"#,
            environment: producer.environment.merging(["AWS_ACCESS_KEY_ID": "leaked"]) { $1 })
        defer { Task { await robot.stop() } }
        try await robot.process.waitUntilOutput(contains: "starting the producer without AWS credentials")
        let starts = try await producer.waitForStarts(1)
        let environment = starts[0]["env"] as? [String: String] ?? [:]
        #expect(!environment.keys.contains { $0.hasPrefix("AWS_") }, "\(environment.keys.sorted())")
        #expect(starts[0]["argv"] as? [String] == ["sts-pi"])
        try await robot.send(#"{"action":"forward","id":"drives"}"#)
        try await robot.waitForTelemetry("command") { $0.id == "drives" }
    }
}
