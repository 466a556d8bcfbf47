import Foundation
import TestSupport
import Testing

/// `robotd check`: one line per item, the fix named, exit 0 only when nothing failed.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CheckCommandTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.make()
    }

    struct Setup {
        var brokerPort: UInt16
        var providerPort: UInt16
        var certFile = "pki/sts-pi.crt"
        var keyFile = "pki/sts-pi.key"
        var caFile = "pki/ca.crt"
        var motors = #"{"driver":"simulated"}"#
        var producer = "/bin/true"
        var video = true
    }

    func config(_ setup: Setup) throws -> URL {
        let folder = try ScratchDirectory.make("check")
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        let text = """
            {"thingName":"sts-pi",
             "mqtt":{"endpoint":"localhost","port":\(setup.brokerPort),"caFile":"\(setup.caFile)",\
            "certFile":"\(setup.certFile)","keyFile":"\(setup.keyFile)","connectTimeoutSeconds":2},
             "motors":\(setup.motors),
             "credentials":{"endpoint":"localhost:\(setup.providerPort)","roleAlias":"robot-camera","region":"eu-west-1"},
             "video":{"enabled":\(setup.video),"command":["\(setup.producer)","{thingName}"]}}
            """
        let file = folder.appending(path: "config.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func check(_ file: URL) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            try RepositoryPaths.product("robotd").path, ["check", "--config", file.path], timeout: .seconds(60))
    }

    func lines(_ result: ChildProcess.Result) -> [String] {
        result.standardOutput.split(separator: "\n").map(String.init)
    }

    /// A key file that is a copy of `name`'s key with `mode`, inside the scratch folder of `config`.
    func keyCopy(_ name: String, mode: Int, beside config: URL) throws -> String {
        let copy = config.deletingLastPathComponent().appending(path: "copy.key")
        try FileManager.default.copyItem(at: pki.keyFile(name), to: copy)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: copy.path)
        return copy.path
    }

    @Test func aGoodSetupPassesEveryItem() async throws {
        let broker = try await MosquittoBroker.start(pki: pki)
        let provider = try await CredentialProviderFixture.start(pki: pki)
        let result = try await check(try config(Setup(brokerPort: broker.port, providerPort: provider.port)))
        let output = lines(result)
        #expect(result.termination == .exited(0), "\(result.standardOutput)\(result.standardError)")
        for title in [
            "✓ configuration:", "✓ CA file:", "✓ certificate:", "✓ private key:", "✓ key matches certificate:",
            "✓ key permissions:", "- motors: simulated driver", "✓ MQTT broker localhost:\(broker.port):",
            "✓ credential provider localhost:\(provider.port):", "✓ video producer:",
        ] {
            #expect(output.contains { $0.hasPrefix(title) }, "missing \(title) in\n\(result.standardOutput)")
        }
        #expect(output.last?.hasPrefix("all checks passed") == true)
        #expect(provider.requests.first?["cn"] as? String == "sts-pi")
    }

    @Test func eachBrokenItemIsNamedWithItsFix() async throws {
        let broker = try await MosquittoBroker.start(pki: pki)
        let provider = try await CredentialProviderFixture.start(pki: pki)
        let refusing = try await CredentialProviderFixture.start(pki: pki, script: ["403"])
        let stranger = try TestPKI.makeIndependent(clients: ["sts-pi"])
        let good = Setup(brokerPort: broker.port, providerPort: provider.port)
        let garbage = try ScratchDirectory.make("garbage").appending(path: "garbage.crt")
        try "not a certificate".write(to: garbage, atomically: true, encoding: .utf8)
        let closedPort = try FreePort.next()

        var cases: [(String, Setup, String)] = []
        var setup = good
        setup.keyFile = "pki/operator.key"
        cases.append(("key mismatch", setup, "✗ key matches certificate: "))
        setup = good
        setup.certFile = garbage.path
        cases.append(("garbage certificate", setup, "✗ certificate: \(garbage.path) holds no PEM certificate"))
        setup = good
        setup.brokerPort = closedPort
        cases.append(("broker down", setup, "✗ MQTT broker localhost:\(closedPort): cannot reach"))
        setup = good
        setup.certFile = stranger.certFile("sts-pi").path
        setup.keyFile = stranger.keyFile("sts-pi").path
        cases.append(("certificate the broker refuses", setup, "✗ MQTT broker localhost:\(broker.port): "))
        setup = good
        setup.providerPort = refusing.port
        cases.append(("role alias refused", setup, "iot:AssumeRoleWithCertificate"))
        setup = good
        setup.motors = #"{"driver":"adafruit","i2cBus":97}"#
        cases.append(("no I2C bus", setup, "✗ motor HAT: unable to open /dev/i2c-97"))
        setup = good
        setup.motors = #"{"driver":"explorerhat","gpioChip":"/dev/gpiochip97"}"#
        cases.append(("no GPIO chip", setup, "✗ Explorer HAT: "))
        setup = good
        setup.producer = "/opt/robot/missing-producer"
        cases.append(("producer missing", setup, "✗ video producer: /opt/robot/missing-producer is not an executable"))

        for (name, setup, expected) in cases {
            let result = try await check(try config(setup))
            #expect(result.termination == .exited(1), "\(name): \(result.standardOutput)")
            #expect(
                result.standardOutput.contains(expected), "\(name): expected \(expected) in\n\(result.standardOutput)")
            let failed = lines(result).filter { $0.hasPrefix("✗") }
            #expect(!failed.isEmpty && failed.count <= 3, "\(name): \(failed)")
        }
    }

    @Test func aKeyReadableByOthersIsAWarningNotAFailure() async throws {
        let broker = try await MosquittoBroker.start(pki: pki)
        let provider = try await CredentialProviderFixture.start(pki: pki)
        var setup = Setup(brokerPort: broker.port, providerPort: provider.port)
        let first = try config(setup)
        setup.keyFile = try keyCopy("sts-pi", mode: 0o644, beside: first)
        let result = try await check(try config(setup))
        #expect(result.termination == .exited(0), "\(result.standardOutput)")
        #expect(
            result.standardOutput.contains("! key permissions: \(setup.keyFile) is readable by every user (mode 644)"))
        #expect(result.standardOutput.contains("chmod 600"))
    }

    @Test func aBadConfigurationIsTheOnlyLine() async throws {
        let result = try await check(URL(filePath: "/nonexistent/config.json"))
        #expect(result.termination == .exited(1))
        #expect(
            lines(result).first
                == "✗ configuration: cannot read config file /nonexistent/config.json: No such file or directory")
    }
}
