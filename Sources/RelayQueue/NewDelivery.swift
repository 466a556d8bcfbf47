/// One delivery to queue: a source message bound for one target of one rule.
///
/// A message that a rule sends to three targets becomes three deliveries with the same ``messageID``,
/// so each target is retried, dead-lettered and completed on its own.
public struct NewDelivery: Sendable, Equatable {
    /// The stable id of the source message (the same for all its targets).
    public var messageID: String
    /// The name of the rule that matched the message.
    public var rule: String
    /// The target's key within the rule: `"0"`, `"1"`, … or `"error"` for the rule's error action.
    public var target: String
    /// The topic the source message arrived on.
    public var topic: String
    /// The bytes to deliver.
    public var payload: [UInt8]
    /// When the source message arrived, in milliseconds since the Unix epoch.
    public var receivedAt: Int64
    /// How many delivery attempts have failed so far.
    public var attempts: Int
    /// The earliest time of the next attempt, in milliseconds since the Unix epoch; 0 means now.
    public var notBefore: Int64
    /// Why the latest attempt failed, if one did.
    public var lastError: String?

    /// Creates a delivery; a new one has no failed attempts and is due at once.
    public init(
        messageID: String, rule: String, target: String, topic: String, payload: [UInt8], receivedAt: Int64,
        attempts: Int = 0, notBefore: Int64 = 0, lastError: String? = nil
    ) {
        self.messageID = messageID
        self.rule = rule
        self.target = target
        self.topic = topic
        self.payload = payload
        self.receivedAt = receivedAt
        self.attempts = attempts
        self.notBefore = notBefore
        self.lastError = lastError
    }
}
