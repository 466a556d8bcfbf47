import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Testing
import TestSupport

@Suite struct BrokerLifecycleTests {
    @Test func stopAndRestartOnTheSamePort() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let port = broker.port
        try await roundTrip(broker, "before")

        try await broker.stop()
        #expect(!broker.isRunning)
        await #expect(throws: MosquittoClientError.self) {
            try await broker.cli.publish(topic: "diagnostics/ping", message: "down", as: "admin")
        }

        try await broker.restart()
        #expect(broker.isRunning)
        #expect(broker.port == port)
        try await roundTrip(broker, "after restart")
    }

    @Test func restartAfterACrash() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let subscription = try await broker.cli.subscribe(to: "diagnostics/#", as: "admin")

        try await broker.kill()
        #expect(!broker.isRunning)
        // Clients see the connection drop (mosquitto_sub then exits).
        #expect(try await subscription.waitForExit() != .exited(0))

        try await broker.restart()
        try await roundTrip(broker, "after crash")
        #expect(broker.log.contains("mosquitto version"))
    }

    @Test func startOnAGivenPortAndRefuseABusyOne() async throws {
        let pki = try TestPKI.make()
        let port = try FreePort.next()
        let first = try await MosquittoBroker.start(pki: pki, port: port)
        #expect(first.port == port)

        let error = await #expect(throws: TestSupportError.self) {
            try await MosquittoBroker.start(pki: pki, port: port)
        }
        #expect(error?.message.contains("Address already in use") == true)
        try await roundTrip(first, "still serving")
    }

    @Test func releasingTheBrokerKillsIt() async throws {
        var broker: MosquittoBroker? = try await MosquittoBroker.start(pki: TestPKI.make())
        let pidFile = try #require(broker?.directory.appending(path: "mosquitto.pid"))
        let pid = try #require(
            Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == 0)

        broker = nil

        var gone = false
        for _ in 0..<200 where !gone {
            gone = kill(pid, 0) != 0 || isZombie(pid)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(gone)
    }

    @Test func generatedConfigurationIsTheDocumentedOne() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let config = try String(contentsOf: broker.configFile, encoding: .utf8)
        for line in [
            "per_listener_settings false", "listener \(broker.port) 127.0.0.1", "require_certificate true",
            "use_identity_as_username true", "allow_anonymous false", "persistence false",
            "max_packet_size 131072",
        ] {
            #expect(config.contains(line + "\n"), "mosquitto.conf lacks `\(line)`")
        }
        let acl = try String(contentsOf: broker.directory.appending(path: "acl"), encoding: .utf8)
        #expect(acl.contains("pattern read %u/action\n"))
        #expect(acl.contains("pattern write %u/telemetry\n"))
    }

    private func isZombie(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false
    }

    private func roundTrip(_ broker: MosquittoBroker, _ text: String) async throws {
        let subscription = try await broker.cli.subscribe(to: "diagnostics/roundtrip", as: "admin")
        try await broker.cli.publish(topic: "diagnostics/roundtrip", message: text, as: "admin")
        #expect(try await subscription.waitForMessage().text == text)
        try await subscription.stop()
    }
}
