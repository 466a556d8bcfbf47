import ArgumentParser
import RobotServer

/// `robot-server new-token`: a fresh random bearer token, and the `auth.tokens` line that admits it.
struct NewTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-token",
        abstract: "Prints a fresh random bearer token and the auth.tokens entry to paste into server.json.",
        discussion: """
            The token comes from the system's random generator; the config line holds only its SHA-256. \
            Give the token to its user (it is printed once, here); paste the line into auth.tokens.
            """)

    @Option(help: "The token's name in logs and refusals.")
    var name = "token"

    @Option(name: .customLong("robot"), help: "A robot it applies to (repeat for more; * for every robot).")
    var robots: [String] = ["*"]

    @Option(
        name: .customLong("role"), help: "A role it has: drive, view, produce, admin (repeat; default drive, view).")
    var roles: [String] = ["drive", "view"]

    func validate() throws {
        for role in roles where Role(rawValue: role) == nil {
            throw ValidationError("unknown role \"\(role)\"; expected \(Role.names)")
        }
    }

    func run() throws {
        let token = BearerToken.generate()
        let line = BearerToken.configLine(
            name: name, sha256: BearerToken.sha256(token), robots: robots, roles: roles.compactMap(Role.init))
        print("token: \(token)")
        print("auth.tokens entry: \(line)")
    }
}
