import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StrictJSON

/// What robot-server answered to one real HTTP request.
struct HTTPAnswer: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    /// The body parsed as JSON, or nil.
    var json: JSONValue? { try? JSONParser.parse(body) }
    /// `error` of an error body.
    var error: String? { json?["error"]?.stringValue }
    /// `detail` of an error body, if it is a string.
    var detail: String? { json?["detail"]?.stringValue }

    func header(_ name: String) -> String? { headers.first(name: name) }

    var description: String { "\(status) \(body)" }

    /// Sends one request with AsyncHTTPClient (a real TCP connection to the server).
    static func send(
        _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return HTTPAnswer(
            status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }
}
