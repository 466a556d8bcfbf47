/// A message received from a queue.
public struct SQSMessage: Sendable, Equatable {
    /// The ID that `SendMessage` returned for it.
    public var messageID: String
    /// What ``SQSClient/deleteMessage(queueURL:receiptHandle:)`` takes to remove the message.
    public var receiptHandle: String
    /// The body as sent.
    public var body: String
    /// The message's attributes of type `String` (and `Number`, as text), by name.
    public var attributes: [String: String]

    public init(messageID: String, receiptHandle: String, body: String, attributes: [String: String] = [:]) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.attributes = attributes
    }
}
