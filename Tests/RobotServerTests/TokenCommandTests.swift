import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// `robot-server hash-token` and `new-token` on the built binary, and the example config that must not let
    /// anyone in until its placeholders are replaced.
    @Suite(.timeLimit(.minutes(1))) struct TokenCommandTests {
        var binary: String { get throws { try RepositoryPaths.product("robot-server").path } }

        /// Runs `robot-server ARGS` with `input` on its standard input (through sh: ChildProcess gives /dev/null).
        func run(_ arguments: String, input: String) async throws -> ChildProcess.Result {
            try await ChildProcess.run(
                "/bin/sh", ["-c", #"printf '%s' "$INPUT" | "$BINARY" \#(arguments)"#],
                environment: ["INPUT": input, "BINARY": try binary], timeout: .seconds(20))
        }

        @Test func hashTokenPrintsTheSHA256OfStdinWithoutOneTrailingNewline() async throws {
            let sha256OfTest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            for input in ["test", "test\n"] {
                let result = try await run("hash-token", input: input)
                #expect(result.termination == .exited(0), "\(result.standardError)")
                #expect(result.standardOutput == sha256OfTest + "\n", "\(input.debugDescription)")
            }
            let twoLines = try await run("hash-token", input: "test\n\n")
            #expect(
                twoLines.standardOutput == RobotServerProcess.sha256("test\n") + "\n", "only one newline is trimmed")
            let empty = try await run("hash-token", input: "")
            #expect(empty.termination == .exited(64) || empty.termination == .exited(1), "\(empty.termination)")
            #expect(empty.standardError.contains("no token on standard input"), "\(empty.standardError)")
        }

        @Test func newTokenPrintsAFreshTokenAndTheLineThatAdmitsIt() async throws {
            let first = try await run("new-token --name kitchen --robot sts-pi --role produce", input: "")
            #expect(first.termination == .exited(0), "\(first.standardError)")
            let lines = first.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(first.standardOutput)")
            let token = try #require(lines.first?.split(separator: " ").last.map(String.init))
            #expect(lines.first == "token: \(token)" && token.count == 64 && token.allSatisfy(\.isHexDigit))
            #expect(
                lines.last
                    == #"auth.tokens entry: { "name": "kitchen", "sha256": "\#(RobotServerProcess.sha256(token))", "#
                    + #""robots": ["sts-pi"], "roles": ["produce"] }"#)
            let second = try await run("new-token", input: "")
            #expect(!second.standardOutput.contains(token), "a fresh token each time")
            #expect(second.standardOutput.contains(#""robots": ["*"], "roles": ["drive", "view"] }"#))
            let bad = try await run("new-token --role pilot", input: "")
            #expect(bad.termination != .exited(0) && bad.standardError.contains(#"unknown role "pilot""#))
        }

        @Test func theExampleConfigAdmitsNoTokenUntilItsPlaceholdersAreReplaced() async throws {
            let example = try String(
                contentsOf: RepositoryPaths.root.appending(path: "server.json.example"), encoding: .utf8)
            // No 64-hex-digit string anywhere: no working digest (the old example had those of "test" and "test2").
            #expect(example.firstMatch(of: /[0-9a-fA-F]{64}/) == nil)
            // Its files made to exist, the check stops at the first placeholder with the command to run.
            var text = example
            for (from, to) in [
                ("certs/cacert.pem", "pki/ca.crt"), ("certs/robot-server.crt", "pki/robot-server.crt"),
                ("certs/robot-server.key", "pki/robot-server.key"), ("certs/idp-ca.pem", "pki/ca.crt"),
            ] {
                text = text.replacingOccurrences(of: from, with: to)
            }
            let file = try PlaceholderFiles.config(text, name: "server.json", label: "example")
            let result = try await ChildProcess.run(try binary, ["--config", file.path], timeout: .seconds(20))
            #expect(result.termination == .exited(1))
            #expect(
                result.standardError.contains(
                    "Error: auth.tokens[0].sha256: is a placeholder: run robot-server new-token and paste the line"),
                "\(result.standardError)")
        }
    }
}
