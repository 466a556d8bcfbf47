import Foundation
import JSONConfig
@testable import RobotServer
import TestSupport
import Testing

/// The `listen` section's connection limits: defaults, every key, errors that name the key.
@Suite struct ListenConfigTests {
    func load(listen: String) throws -> ServerConfig {
        try ServerConfig.load(
            path: PlaceholderFiles.config(
                #"{\#(ServerConfigTests.mqtt),"robots":["sts-pi"],"auth":{"disabled":true},"listen":{\#(listen)}}"#
            ).path)
    }

    func error(listen: String) -> String? {
        do {
            _ = try load(listen: listen)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func limitsHaveSaneDefaults() throws {
        let listen = try load(listen: "").listen
        #expect(listen.idleTimeoutSeconds == 60)
        #expect(listen.requestHeadTimeoutSeconds == 10)
        #expect(listen.maxConnections == 2048)
    }

    @Test func everyLimitCanBeSet() throws {
        let config = try load(
            listen: #""port":9000,"idleTimeoutSeconds":5,"requestHeadTimeoutSeconds":2,"maxConnections":100"#)
        #expect(
            config.listen
                == .init(
                    host: "127.0.0.1", port: 9000, idleTimeoutSeconds: 5, requestHeadTimeoutSeconds: 2,
                    maxConnections: 100))
        #expect(config.unknownKeys.isEmpty)
    }

    @Test func mistakesNameTheKey() {
        #expect(
            error(listen: #""idleTimeoutSeconds":0"#)?.contains("listen.idleTimeoutSeconds: must be between 1 and")
                == true)
        #expect(
            error(listen: #""requestHeadTimeoutSeconds":1.5"#)?.contains(
                "listen.requestHeadTimeoutSeconds: must be an integer") == true)
        #expect(
            error(listen: #""maxConnections":-1"#)?.contains("listen.maxConnections: must be between 1 and") == true)
    }

    @Test func theDefaultCapFitsUnderTheUnitsDescriptorLimit() throws {
        let unit = try String(
            contentsOf: RepositoryPaths.root.appending(path: "systemd/robot-server.service"), encoding: .utf8)
        let setting = unit.split(separator: "\n").first { $0.hasPrefix("LimitNOFILE=") }
        let limit = try #require(setting.flatMap { Int($0.dropFirst("LimitNOFILE=".count)) }, "LimitNOFILE in the unit")
        // Each connection is a descriptor; the broker, relay, webhook and SQLite ones need room beside them.
        #expect(ServerConfig.Listen().maxConnections * 2 <= limit)
        #expect(unit.contains("\nMemoryMax="))
    }
}
