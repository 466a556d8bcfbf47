import ArgumentParser
import RobotServer

/// `robot-server hash-token`: reads a token on standard input and prints its SHA-256 for `auth.tokens[].sha256`.
struct HashTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-token",
        abstract: "Reads a bearer token on stdin and prints its SHA-256 (64 hex digits) for auth.tokens[].sha256.",
        discussion: "One trailing newline is ignored, so `echo \"$TOKEN\" | robot-server hash-token` works.")

    func run() throws {
        var input: [UInt8] = []
        while let line = readLine(strippingNewline: false) {
            input += Array(line.utf8)
            guard input.count <= 4096 else { throw ValidationError("a token is at most 4096 bytes") }
        }
        let token = BearerToken.fromInput(String(decoding: input, as: UTF8.self))
        guard !token.isEmpty else {
            throw ValidationError("no token on standard input: printf %s \"$TOKEN\" | robot-server hash-token")
        }
        print(BearerToken.sha256(token))
    }
}
