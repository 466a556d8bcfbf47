import AWSSigV4
import AsyncHTTPClient
import NIOCore
import StrictJSON

extension SQSClient {
    /// The largest reply read: SQS replies with up to 10 messages of 256 KiB (1 MiB since 2025) each.
    static let maxReplyBytes = 16 << 20

    /// Signs and posts one JSON 1.0 request; returns the parsed reply body of a 2xx, throws anything else.
    func call(
        _ action: String, _ body: JSONObject, resource: String, extraTime: Duration = .zero
    ) async throws(SQSError) -> JSONValue {
        guard let endpoint = parsedEndpoint else {
            throw SQSError(
                code: "InvalidEndpoint",
                message: "\"\(self.endpoint)\" is not an http(s)://host[:port] URL",
                isRetryable: false, action: action, resource: self.endpoint)
        }
        let credentials: AWSCredentials
        do {
            credentials = try await self.credentials()
        } catch {
            throw SQSError(
                code: "credentials", message: "the credentials source failed: \(error)", isRetryable: true,
                action: action, resource: resource)
        }
        let payload = JSONValue.object(body).serialized()
        let headers = [
            (name: "Host", value: endpoint.host),
            (name: "Content-Type", value: "application/x-amz-json-1.0"),
            (name: "X-Amz-Target", value: "AmazonSQS.\(action)"),
        ]
        let signer = SigV4Signer(credentials: credentials, region: region, service: "sqs")
        let signed = signer.sign(SigV4Request(method: "POST", headers: headers, body: payload), date: .now())
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        for header in headers + signed.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: payload))

        let limit = timeout + extraTime
        let reply: (status: Int, headers: [(String, String)], body: [UInt8])
        do {
            reply = try await exchange(request, within: limit)
        } catch {
            throw SQSError(
                code: "transport", message: "no reply from \(endpoint.url): \(Self.describe(error, limit: limit))",
                isRetryable: true, action: action, resource: resource)
        }
        guard (200..<300).contains(reply.status) else {
            throw Self.replyError(reply, action: action, resource: resource)
        }
        if reply.body.isEmpty {
            return .object(JSONObject())
        }
        do {
            return try JSONParser.parse(reply.body)
        } catch {
            throw SQSError(
                code: "InvalidResponse", message: "HTTP \(reply.status) with a body that is not JSON: \(error)",
                httpStatus: reply.status, isRetryable: true, action: action, resource: resource)
        }
    }

    /// The request and the whole reply within `limit`: AsyncHTTPClient's own deadline stops at the reply's head.
    private func exchange(
        _ request: HTTPClientRequest, within limit: Duration
    ) async throws -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        let httpClient = self.httpClient
        return try await withThrowingTaskGroup(of: (status: Int, headers: [(String, String)], body: [UInt8])?.self) {
            group in
            group.addTask {
                let response = try await httpClient.execute(request, timeout: .nanoseconds(limit.nanoseconds))
                let body = try await response.body.collect(upTo: Self.maxReplyBytes)
                return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, Array(buffer: body))
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let reply = first else {
                throw TimedOut()
            }
            return reply
        }
    }

    private struct TimedOut: Error {}

    private static func describe(_ error: any Error, limit: Duration) -> String {
        if error is TimedOut || (error as? HTTPClientError) == .deadlineExceeded {
            return "timed out after \(limit)"
        }
        return String(describing: error)
    }

    /// The error in a non-2xx reply: the code from `x-amzn-query-error` (`Code;Sender`), else from `__type`
    /// (`com.amazonaws.sqs#QueueDoesNotExist`) or the `X-Amzn-ErrorType` header, else `HTTP<status>`.
    static func replyError(
        _ reply: (status: Int, headers: [(String, String)], body: [UInt8]), action: String, resource: String
    ) -> SQSError {
        func header(_ name: String) -> String? {
            reply.headers.first { $0.0.lowercased() == name }?.1
        }
        let json = try? JSONParser.parse(reply.body)
        let type = (json?["__type"]?.stringValue ?? header("x-amzn-errortype")).map(shortName)
        let queryCode = header("x-amzn-query-error").flatMap { $0.split(separator: ";").first.map(String.init) }
        let code = queryCode ?? type ?? "HTTP\(reply.status)"
        let message =
            json?["message"]?.stringValue ?? json?["Message"]?.stringValue
            ?? String(decoding: reply.body.prefix(200), as: UTF8.self)
        return SQSError(
            reply: code, type: type, message: message, httpStatus: reply.status, action: action, resource: resource)
    }

    /// `com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`; `Code:http://…` → `Code`.
    private static func shortName(_ type: String) -> String {
        let afterHash = type.split(separator: "#").last.map(String.init) ?? type
        return afterHash.split(separator: ":").first.map(String.init) ?? afterHash
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
