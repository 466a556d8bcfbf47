import DriveProtocol
import Foundation
import MQTT
import NIOHTTP1
import TestSupport
import Testing

/// The whole path on real parts: a TLS mosquitto, the built `robotd` (simulated motors) as `sts-pi`, the
/// built `robot-server` driving it, and an `admin` client subscribed to `#` that sees every publish
/// (``RobotServerProcess``), with the REST API's helpers.
typealias ServerHarness = RobotServerProcess

extension RobotServerProcess {
    /// Starts everything and waits until robot-server listens and is connected to the broker.
    /// - Parameters:
    ///   - robotd: run the real robotd as `sts-pi` (else only the broker and robot-server); `stop()` stops it.
    ///   - auth: the `auth` section (JSON); static `home` and `fleet` tokens by default.
    ///   - extra: more top-level keys, e.g. `"cors": {…}` (JSON members, no braces).
    static func start(
        robotd: Bool = true, auth: String = staticTokensAuth, extra: String = "", publishTimeoutMs: Int = 2000
    ) async throws -> RobotServerProcess {
        let robot = robotd ? try await RobotdHarness.start() : nil
        return try await launch(
            robot: robot, stopsRobot: true, auth: auth, mqtt: #""publishTimeoutMs":\#(publishTimeoutMs)"#, extra: extra)
    }

    /// A POST of `body` to `path` with a bearer token and a content type (nil leaves the header out).
    func post(
        _ path: String = "/publish", _ body: String, token: String? = homeToken,
        contentType: String? = "application/json", headers: [(String, String)] = []
    ) async throws -> HTTPAnswer {
        var fields = headers
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        if let contentType { fields.append(("Content-Type", contentType)) }
        return try await HTTPAnswer.send(.POST, baseURL + path, body: Array(body.utf8), headers: fields)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(.GET, baseURL + path, headers: headers)
    }

    /// Every message the admin client saw on a `<thing>/action` topic, after record `index`.
    func actions(after index: Int = 0) -> [MQTTMessage] {
        admin.all.dropFirst(index).compactMap { record in
            if case .message(let message) = record.event, message.topic.hasSuffix("/action") { return message }
            return nil
        }
    }

}
