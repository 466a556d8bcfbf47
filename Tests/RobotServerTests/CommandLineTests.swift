import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// robot-server's command line: help, one line for a bad configuration, the warning when auth is off.
    @Suite(.timeLimit(.minutes(1))) struct CommandLineTests {
        /// Runs the built binary to completion without blocking a thread of the cooperative pool.
        func robotServer(_ arguments: [String]) async throws -> ChildProcess.Result {
            try await ChildProcess.run(
                try RepositoryPaths.product("robot-server").path, arguments, timeout: .seconds(20))
        }

        func config(_ text: String) throws -> URL {
            try PlaceholderFiles.config(text, name: "server.json", label: "server-cli")
        }

        let mqtt =
            #""mqtt":{"endpoint":"localhost","caFile":"pki/ca.crt","certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key"}"#

        @Test func helpNamesTheOptions() async throws {
            let result = try await robotServer(["--help"])
            #expect(result.termination == .exited(0))
            for word in ["--config", "--log-level", "/publish", "JWKS"] {
                #expect(result.standardOutput.contains(word), "help mentions \(word)")
            }
        }

        @Test(arguments: [
            ("{", "is not valid JSON"),
            (
                #"{MQTT,"robots":["sts-pi"],"auth":{"tokens":[{"sha256":"1234","robots":["*"]}]}}"#,
                "Error: auth.tokens[0].sha256: must be 64 hex digits"
            ),
            (#"{MQTT,"robots":["sts-pi"]}"#, "Error: auth: is required"),
            (#"{"robots":["sts-pi"],"auth":{"disabled":true}}"#, "Error: mqtt: is required"),
            (
                #"{MQTT,"robots":["sts-pi"],"auth":{"jwt":{"jwksFile":"pki/ca.crt","issuer":"i","audience":"a"}}}"#,
                "Error: auth.jwt.jwksFile: not a JWKS"
            ),
        ])
        func aBadConfigIsOneLineNamingTheKey(json: String, message: String) async throws {
            let file = try config(json.replacingOccurrences(of: "MQTT", with: mqtt))
            let result = try await robotServer(["--config", file.path])
            #expect(result.termination == .exited(1))
            let lines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(lines.count == 1, "\(result.standardError)")
            #expect(result.standardError.contains(message), "\(result.standardError)")
        }

        @Test func aMissingConfigFileIsNamed() async throws {
            let result = try await robotServer(["--config", "/nonexistent/server.json"])
            #expect(result.termination == .exited(1))
            #expect(
                result.standardError.contains("Error: cannot read config file /nonexistent/server.json: No such file"))
        }

        @Test func disabledAuthWarnsLoudlyAndUnknownKeysAreWarnedAbout() async throws {
            let port = try FreePort.next()
            let file = try config(
                #"{\#(mqtt),"listen":{"port":\#(port)},"robots":["sts-pi"],"auth":{"disabled":true},"fleet":{}}"#)
            let server = try ChildProcess.start(
                try RepositoryPaths.product("robot-server").path, ["--config", file.path])
            defer { Task { _ = try? await server.terminate() } }
            try await server.waitUntilOutput(contains: "AUTHENTICATION IS DISABLED")
            try await server.waitUntilOutput(contains: "unknown key fleet ignored")
            try await server.waitUntilOutput(contains: "robot-server listening")
            // No broker runs: the API answers anyway, with 503.
            let answer = try await HTTPAnswer.send(
                .POST, "http://127.0.0.1:\(port)/publish", body: Array(#"{"action":"forward"}"#.utf8),
                headers: [("Content-Type", "application/json")])
            #expect(answer.status == 503 && answer.error == "broker unavailable", "\(answer)")
            let terminated = try await server.terminate()
            #expect(terminated == .exited(0), "SIGTERM stops it cleanly\n\(server.outputTail())")
        }
    }
}
