import BrowserControl
import Foundation
import StrictJSON
import TestSupport

/// The drive page without video, real: a TLS mosquitto, the built robotd (simulated motors) as `sts-pi`, the built
/// robot-server, and headless Chromiums — one profile each, so that each keeps a token of its own (a page saves its
/// token in localStorage, which every window of one browser shares).
///
/// The tokens: ``RobotServerProcess``'s (`home` drives sts-pi, `fleet` is an admin everywhere, `viewer` watches),
/// and `bob`, who drives sts-pi like `home` but is another principal. robotd keeps its emergency-stop latch in a
/// scratch `state/` beside its config (``RobotdHarness``), so a latch left engaged reaches no other test.
final class DrivePageStack: Sendable {
    static let bobToken = "bob-token-6a2d94e1c07f3b58"

    let server: RobotServerProcess
    let browsers: [Chromium]

    private init(server: RobotServerProcess, browsers: [Chromium]) {
        self.server = server
        self.browsers = browsers
    }

    /// Static tokens: robot-server's test tokens and `bob` (drive, view on sts-pi).
    static var auth: String {
        let bob = #"{"sha256":"\#(RobotServerProcess.sha256(bobToken))","robots":["sts-pi"],"name":"bob"}"#
        return RobotServerProcess.staticTokensAuth.replacingOccurrences(
            of: #"{"tokens":["#, with: #"{"tokens":[\#(bob),"#)
    }

    /// Runs `body` with robotd (heartbeats every second, `robotSections` added to its config), robot-server and
    /// `browsers` Chromiums, and always stops them.
    static func with(
        browsers count: Int = 1, robotSections: String = "", _ body: (DrivePageStack) async throws -> Void
    ) async throws {
        var stops: [@Sendable () async -> Void] = []
        do {
            let robot = try await RobotdHarness.start(heartbeatSeconds: 1, sections: robotSections)
            stops.append { await robot.stop() }
            let server = try await RobotServerProcess.launch(robot: robot, auth: auth)
            stops.append { await server.stop() }
            var browsers: [Chromium] = []
            for _ in 0..<count {
                let chromium = try await Chromium.start()
                stops.append { await chromium.stop() }
                browsers.append(chromium)
            }
            try await body(DrivePageStack(server: server, browsers: browsers))
        } catch {
            for stop in stops.reversed() { await stop() }
            throw error
        }
        for stop in stops.reversed() { await stop() }
    }

    /// Opens the page in browser `browser` with `token` in the fragment (the page saves it).
    func open(_ token: String = RobotServerProcess.homeToken, browser: Int = 0) async throws -> BrowserPage {
        try await browsers[browser].open("\(server.baseURL)/#token=\(token)")
    }
}
