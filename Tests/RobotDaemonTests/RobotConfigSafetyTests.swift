import Foundation
import JSONConfig
import RobotDaemon
import TestSupport
import Testing

/// The safety keys: `motors.maxAcceleration`, `motors.maxSpeed`, `stateDirectory`.
@Suite struct RobotConfigSafetyTests {
    /// Loads `members` (JSON members after `thingName` and `mqtt`) from a config in a folder with the PKI.
    func load(_ members: String) throws -> (RobotConfig, URL) {
        let folder = try ScratchDirectory.make("robot-config")
        let pki = try TestPKI.make()
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        let text =
            #"{"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"pki/ca.crt","#
            + #""certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key"}\#(members.isEmpty ? "" : ",")\#(members)}"#
        let file = folder.appending(path: "config.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return (try RobotConfig.load(path: file.path), folder)
    }

    @Test func theDefaultsKeepTodaysBehaviour() throws {
        let (config, _) = try load("")
        #expect(config.motors.maxAcceleration == nil && config.motors.maxSpeed == 1)
        #expect(config.stateDirectory == "/var/lib/robot")
        #expect(config.unknownKeys.isEmpty)
    }

    @Test func theKeysAreReadAndARelativeStateDirectoryResolvesAgainstTheConfigFolder() throws {
        let (config, folder) = try load(#""stateDirectory":"state","motors":{"maxAcceleration":4,"maxSpeed":0.8}"#)
        #expect(config.motors.maxAcceleration == 4 && config.motors.maxSpeed == 0.8)
        #expect(config.stateDirectory == folder.appending(path: "state").path)
        #expect(config.unknownKeys.isEmpty)
        let (absolute, _) = try load(#""stateDirectory":"/srv/robot-state""#)
        #expect(absolute.stateDirectory == "/srv/robot-state")
    }

    @Test(arguments: [
        (#""motors":{"maxAcceleration":0}"#, "motors.maxAcceleration: must be greater than 0, got 0"),
        (#""motors":{"maxAcceleration":-1}"#, "motors.maxAcceleration: must be between 0 and 1000, got -1"),
        (#""motors":{"maxAcceleration":"fast"}"#, "motors.maxAcceleration"),
        (#""motors":{"maxSpeed":0}"#, "motors.maxSpeed: must be greater than 0, got 0"),
        (#""motors":{"maxSpeed":1.5}"#, "motors.maxSpeed: must be between 0 and 1, got 1.5"),
        (##""stateDirectory":"""##, "stateDirectory: must not be empty"),
        (#""stateDirectory":7"#, "stateDirectory"),
    ])
    func badValuesNameTheKey(members: String, message: String) throws {
        #expect {
            _ = try load(members)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }
}
