/// What `SendMessageBatch` did with each entry: every entry's ID is in exactly one of the two lists.
public struct SQSBatchResult: Sendable, Equatable {
    /// An entry that the queue accepted.
    public struct Success: Sendable, Equatable {
        /// The entry's ID as given.
        public var id: String
        /// The ID that the queue gave the message.
        public var messageID: String

        public init(id: String, messageID: String) {
            self.id = id
            self.messageID = messageID
        }
    }

    /// An entry that the queue refused.
    public struct Failure: Sendable, Equatable {
        /// The entry's ID as given.
        public var id: String
        /// AWS's error code for the entry, e.g. `InvalidMessageContents`.
        public var code: String
        /// What the service said about the entry.
        public var message: String
        /// True when the entry itself is at fault (sending it again fails again); false for a service-side
        /// failure, which is worth retrying.
        public var senderFault: Bool

        /// Whether sending the entry again may succeed.
        public var isRetryable: Bool { !senderFault }

        public init(id: String, code: String, message: String, senderFault: Bool) {
            self.id = id
            self.code = code
            self.message = message
            self.senderFault = senderFault
        }
    }

    /// The entries the queue accepted.
    public var successful: [Success]
    /// The entries the queue refused.
    public var failed: [Failure]

    public init(successful: [Success] = [], failed: [Failure] = []) {
        self.successful = successful
        self.failed = failed
    }
}
