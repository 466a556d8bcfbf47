public import AWSSigV4
public import AsyncHTTPClient
import StrictJSON

/// An Amazon SQS client speaking the AWS JSON 1.0 protocol (`POST /` with `X-Amz-Target: AmazonSQS.<Action>`),
/// every request signed with SigV4 for service `sqs`.
///
/// Credentials come from a closure that is asked on every call, so a caller holding temporary credentials
/// refreshes them there. Each call has a time limit (``timeout``; receives add their wait time); every failure
/// is an ``SQSError`` that says whether retrying can help. The client does not retry by itself: the caller
/// (the relay's durable queue) decides.
///
/// AsyncHTTPClient retries a refused connection until the call's time limit by default; give the client an
/// `HTTPClient` whose `configuration.connectionPool.retryConnectionEstablishment` is false to have an endpoint
/// that is down fail at once (still a retryable `transport` error).
public struct SQSClient: Sendable {
    /// The endpoint URL as given, e.g. `https://sqs.eu-west-1.amazonaws.com` or `http://127.0.0.1:4566`.
    public let endpoint: String
    /// The region requests are signed for.
    public let region: String
    /// How long one call may take, from signing to the last byte of the reply.
    public let timeout: Duration

    let parsedEndpoint: SQSEndpoint?
    let credentials: @Sendable () async throws -> AWSCredentials
    let httpClient: HTTPClient

    /// - Parameters:
    ///   - endpoint: `http(s)://host[:port]`; a malformed one fails every call with `InvalidEndpoint`.
    ///   - credentials: asked for the credentials before each call; what it throws becomes a retryable
    ///     `credentials` error.
    ///   - httpClient: the caller's client (and the caller's to shut down).
    public init(
        endpoint: String, region: String, credentials: @escaping @Sendable () async throws -> AWSCredentials,
        httpClient: HTTPClient, timeout: Duration = .seconds(10)
    ) {
        self.endpoint = endpoint
        self.region = region
        self.timeout = timeout
        self.parsedEndpoint = SQSEndpoint(endpoint)
        self.credentials = credentials
        self.httpClient = httpClient
    }

    /// Sends one message; returns its message ID.
    /// - Parameter attributes: message attributes of type `String`.
    public func sendMessage(
        queueURL: String, body: String, attributes: [String: String] = [:]
    ) async throws(SQSError) -> String {
        var request: JSONObject = ["QueueUrl": .string(queueURL), "MessageBody": .string(body)]
        if !attributes.isEmpty {
            request["MessageAttributes"] = .object(
                JSONObject(
                    attributes.sorted { $0.key < $1.key }.map { name, value in
                        (name, ["DataType": "String", "StringValue": .string(value)])
                    }))
        }
        let reply = try await call("SendMessage", request, resource: queueURL)
        return try reply.string("MessageId", action: "SendMessage", resource: queueURL)
    }

    /// Sends 1 to 10 messages in one request. Entries can fail one by one: see ``SQSBatchResult``; a thrown
    /// error means none was sent (or the reply was lost).
    public func sendMessageBatch(
        queueURL: String, entries: [(id: String, body: String)]
    ) async throws(SQSError) -> SQSBatchResult {
        let action = "SendMessageBatch"
        func refuse(_ code: String, _ message: String) -> SQSError {
            SQSError(code: code, message: message, isRetryable: false, action: action, resource: queueURL)
        }
        guard !entries.isEmpty else { throw refuse("EmptyBatchRequest", "a batch needs at least one entry") }
        guard entries.count <= 10 else {
            throw refuse("TooManyEntriesInBatchRequest", "a batch holds at most 10 entries, got \(entries.count)")
        }
        guard Set(entries.map(\.id)).count == entries.count else {
            throw refuse("BatchEntryIdsNotDistinct", "two entries have the same ID")
        }
        let list = entries.map { entry -> JSONValue in ["Id": .string(entry.id), "MessageBody": .string(entry.body)] }
        let reply = try await call(
            action, ["QueueUrl": .string(queueURL), "Entries": .array(list)], resource: queueURL)
        var result = SQSBatchResult()
        for item in reply["Successful"]?.arrayValue ?? [] {
            result.successful.append(
                .init(
                    id: try item.string("Id", action: action, resource: queueURL),
                    messageID: try item.string("MessageId", action: action, resource: queueURL)))
        }
        for item in reply["Failed"]?.arrayValue ?? [] {
            result.failed.append(
                .init(
                    id: try item.string("Id", action: action, resource: queueURL),
                    code: item["Code"]?.stringValue ?? "", message: item["Message"]?.stringValue ?? "",
                    senderFault: item["SenderFault"]?.boolValue ?? true))
        }
        return result
    }

    /// Creates a standard queue (or finds the existing one of that name); returns its URL.
    public func createQueue(name: String) async throws(SQSError) -> String {
        let reply = try await call("CreateQueue", ["QueueName": .string(name)], resource: name)
        return try reply.string("QueueUrl", action: "CreateQueue", resource: name)
    }

    /// The URL of the queue called `name`.
    public func getQueueURL(name: String) async throws(SQSError) -> String {
        let reply = try await call("GetQueueUrl", ["QueueName": .string(name)], resource: name)
        return try reply.string("QueueUrl", action: "GetQueueUrl", resource: name)
    }

    /// Receives up to `max` (1…10) messages, waiting up to `waitSeconds` (0…20) for the first (long polling).
    public func receiveMessages(queueURL: String, max: Int, waitSeconds: Int) async throws(SQSError) -> [SQSMessage] {
        let action = "ReceiveMessage"
        let request: JSONObject = [
            "QueueUrl": .string(queueURL), "MaxNumberOfMessages": .number(Double(max)),
            "WaitTimeSeconds": .number(Double(waitSeconds)), "MessageAttributeNames": ["All"],
        ]
        let reply = try await call(action, request, resource: queueURL, extraTime: .seconds(waitSeconds))
        var messages: [SQSMessage] = []
        for item in reply["Messages"]?.arrayValue ?? [] {
            var attributes: [String: String] = [:]
            for (name, attribute) in item["MessageAttributes"]?.objectValue ?? JSONObject() {
                attributes[name] = attribute["StringValue"]?.stringValue
            }
            messages.append(
                SQSMessage(
                    messageID: try item.string("MessageId", action: action, resource: queueURL),
                    receiptHandle: try item.string("ReceiptHandle", action: action, resource: queueURL),
                    body: try item.string("Body", action: action, resource: queueURL), attributes: attributes))
        }
        return messages
    }

    /// Deletes a received message.
    public func deleteMessage(queueURL: String, receiptHandle: String) async throws(SQSError) {
        _ = try await call(
            "DeleteMessage", ["QueueUrl": .string(queueURL), "ReceiptHandle": .string(receiptHandle)],
            resource: queueURL)
    }
}

extension JSONValue {
    /// The string member `key` of a reply, or an `InvalidResponse` error naming it.
    func string(_ key: String, action: String, resource: String) throws(SQSError) -> String {
        guard let value = self[key]?.stringValue else {
            throw SQSError(
                code: "InvalidResponse", message: "the reply has no string \"\(key)\": \(summary)",
                isRetryable: true, action: action, resource: resource)
        }
        return value
    }

    private var summary: String {
        let text = serializedString()
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
