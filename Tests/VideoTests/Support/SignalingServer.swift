import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StrictJSON
import TestSupport

/// The built `robot-server` on a real TLS mosquitto, with static tokens and an `admin` MQTT client
/// (``RobotServerProcess``), optionally beside the built `robotd` (simulated motors) as `sts-pi`, with the
/// signaling helpers.
typealias SignalingServer = RobotServerProcess

extension RobotServerProcess {
    /// Starts everything and waits until robot-server listens and is connected to the broker.
    /// - Parameters:
    ///   - robot: a running robotd to use (its broker and PKI; the caller stops it), or nil for a broker of our own.
    ///   - video: the `video` section (JSON), or empty for the defaults.
    static func start(robot: RobotdHarness? = nil, video: String = "") async throws -> RobotServerProcess {
        try await launch(robot: robot, extra: video.isEmpty ? "" : #""video":\#(video)"#)
    }

    /// The signaling URL of `thing`, with a query (`role=…&token=…`) if given.
    func signalURL(_ thing: String = "sts-pi", query: String = "") -> String {
        "ws://127.0.0.1:\(port)/robots/\(thing)/signal" + (query.isEmpty ? "" : "?\(query)")
    }

    /// Connects a signaling client as `role` with a bearer header: by default the producer's token (role
    /// `produce`) for a producer and the home token (drive and view) for a viewer.
    func connect(_ role: String, thing: String = "sts-pi", token: String? = nil) async throws -> SignalClient {
        let bearer = token ?? (role == "producer" ? Self.producerToken : Self.homeToken)
        return try await SignalClient.connect(url: signalURL(thing, query: "role=\(role)"), bearer: bearer, label: role)
    }
}

/// One real HTTP exchange with AsyncHTTPClient, e.g. a WebSocket upgrade request that must be refused.
struct HTTPExchange: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: JSONValue? { try? JSONParser.parse(body) }
    var description: String { "\(status) \(body)" }

    /// A GET of `url` (a `ws://` URL is requested as `http://`, as a browser opening a WebSocket does).
    static func get(_ url: String, headers: [(String, String)] = []) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url.hasPrefix("ws://") ? "http://" + url.dropFirst(5) : url)
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return HTTPExchange(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// The headers a browser sends to open a WebSocket.
    static let upgradeHeaders = [
        ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ]
}
