import Foundation
import TestSupport
import Testing

/// robotd's command line: help, version, and one clear line for every bad configuration.
@Suite(.timeLimit(.minutes(1))) struct CommandLineTests {
    func robotd(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(try RepositoryPaths.product("robotd").path, arguments, timeout: .seconds(20))
    }

    func config(_ text: String, keyMode: Int16 = 0o600) throws -> URL {
        let folder = try ScratchDirectory.make("config")
        let pki = try TestPKI.make()
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        let file = folder.appending(path: "config.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    let mqtt =
        #""mqtt":{"endpoint":"localhost","caFile":"pki/ca.crt","certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key"}"#

    @Test func helpDescribesTheSubcommandsAndOptions() async throws {
        let result = try await robotd(["--help"])
        #expect(result.termination == .exited(0))
        for word in ["run (default)", "stop-motors", "--version", "durationMs"] {
            #expect(result.standardOutput.contains(word), "help mentions \(word)")
        }
        let run = try await robotd(["run", "--help"])
        for word in ["--config", "/etc/robot/config.json", "--log-level", "default: info"] {
            #expect(run.standardOutput.contains(word), "run's help mentions \(word)")
        }
    }

    @Test func versionPrintsAVersion() async throws {
        let result = try await robotd(["--version"])
        #expect(result.termination == .exited(0))
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test(arguments: [
        ("{", "is not valid JSON: invalid JSON at byte 1"),
        ("[]", "must hold a JSON object"),
        (#"{"mqtt":{"endpoint":"x"}}"#, "Error: thingName: is required"),
        (#"{"thingName":"a/b","mqtt":{"endpoint":"x"}}"#, #"Error: thingName: "a/b" is not a valid thing name"#),
        (#"{"thingName":"sts-pi"}"#, "Error: mqtt: is required"),
        (
            #"{"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"pki/missing.pem","certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key"}}"#,
            "Error: mqtt.caFile: cannot read "
        ),
        (
            #"{"thingName":"sts-pi","mqtt":{"endpoint":"localhost","port":"8883","caFile":"pki/ca.crt","certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key"}}"#,
            #"Error: mqtt.port: must be an integer, got string "8883""#
        ),
        (
            #"{"thingName":"sts-pi",MQTT,"motors":{"driver":"pca"}}"#,
            #"Error: motors.driver: unknown driver "pca"; expected adafruit, explorerhat, simulated"#
        ),
        (#"{"thingName":"sts-pi",MQTT,"motors":{"speed":2}}"#, "Error: motors.speed: must be between 0 and 1, got 2"),
        (
            #"{"thingName":"sts-pi",MQTT,"motors":{"durationMs":0}}"#,
            "Error: motors.durationMs: must be between 1 and 5000, got 0"
        ),
        (
            #"{"thingName":"sts-pi",MQTT,"video":{"enabled":true}}"#,
            "Error: video.command: is required when video is enabled"
        ),
        (#"{"thingName":"sts-pi",MQTT,"motors":{"driver":"adafruit"}}"#, "unable to open /dev/i2c-1"),
    ])
    func badConfigurationIsOneLineNamingTheKey(json: String, message: String) async throws {
        let file = try config(json.replacingOccurrences(of: "MQTT", with: mqtt))
        let result = try await robotd(["run", "--config", file.path])
        #expect(result.termination == .exited(1))
        let lines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(!result.standardError.contains("BEGIN"), "no key material in messages")
    }

    @Test func missingConfigFileIsNamed() async throws {
        let result = try await robotd(["run", "--config", "/nonexistent/robot.json"])
        #expect(result.termination == .exited(1))
        #expect(
            result.standardError.contains(
                "Error: cannot read config file /nonexistent/robot.json: No such file or directory"))
    }

    @Test func stopMotorsOpensTheHardwareStopsAndExits() async throws {
        let file = try config(#"{"thingName":"sts-pi",\#(mqtt),"motors":{"driver":"simulated"}}"#)
        let result = try await robotd(["stop-motors", "--config", file.path])
        #expect(result.termination == .exited(0), "\(result.standardError)")
        #expect(result.standardError.contains("motors stopped"))
        let missing = try await robotd([
            "stop-motors", "--config",
            try config(#"{"thingName":"sts-pi",\#(mqtt),"motors":{"driver":"explorerhat"}}"#).path,
        ])
        #expect(missing.termination == .exited(1))
        #expect(missing.standardError.contains("/dev/gpiochip0"), "\(missing.standardError)")
    }
}
