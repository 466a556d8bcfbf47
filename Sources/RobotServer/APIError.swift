public import Hummingbird
public import StrictJSON

/// An error answer of the REST API: a status and the JSON body `{"error": "...", "detail": ...}`.
///
/// `error` is a short, stable phrase a client can switch on (`invalid command`); `detail` says exactly what
/// is wrong (the drive-protocol validator's reason, the token problem, the broker's state). A few answers carry
/// more members after these (``extra``), such as the `holder` of a `409 control held`.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var error: String
    public var detail: JSONValue
    public var headers: HTTPFields
    /// Members of the body after `error` and `detail`.
    public var extra: [(String, JSONValue)]

    public init(
        _ status: HTTPResponse.Status, _ error: String, detail: JSONValue = .null, headers: HTTPFields = [:],
        extra: [(String, JSONValue)] = []
    ) {
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers
        self.extra = extra
    }

    public init(
        _ status: HTTPResponse.Status, _ error: String, _ detail: String, headers: HTTPFields = [:],
        extra: [(String, JSONValue)] = []
    ) {
        self.init(status, error, detail: .string(detail), headers: headers, extra: extra)
    }

    public var description: String { "\(status.code) \(error): \(detail)" }

    /// The JSON body.
    public var body: JSONValue {
        .object(JSONObject([("error", .string(error)), ("detail", detail)] + extra))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        var bytes = body.serialized()
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension APIError {
    static func notFound(_ request: Request) -> APIError {
        APIError(.notFound, "not found", "no route for \(request.method) \(request.uri.path)")
    }

    static func methodNotAllowed(_ request: Request, allow: String) -> APIError {
        APIError(
            .methodNotAllowed, "method not allowed", "\(request.uri.path) accepts \(allow), not \(request.method)",
            headers: [.allow: allow])
    }

    static func unauthorized(_ detail: String, invalidToken: Bool) -> APIError {
        let challenge =
            invalidToken ? #"Bearer realm="robot-server", error="invalid_token""# : #"Bearer realm="robot-server""#
        return APIError(.unauthorized, "unauthorized", detail, headers: [.wwwAuthenticate: challenge])
    }
}
