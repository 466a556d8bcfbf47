/// One message that a ``MosquittoSubscription`` received.
public struct ReceivedMessage: Sendable, Hashable, CustomStringConvertible {
    public let topic: String
    /// The payload, byte for byte (binary payloads included).
    public let payload: [UInt8]

    public init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }

    /// The payload as text, or nil if it is not valid UTF-8.
    public var text: String? { String(validating: payload, as: UTF8.self) }

    public var description: String {
        "\(topic): " + (text.map { "\"\($0)\"" } ?? "\(payload.count) bytes of binary")
    }

    /// Parses one line that mosquitto_sub printed with `-F 'MSG %x %t'` (hex payload,
    /// space, topic); nil for any other line (mosquitto_sub's `-d` debug lines).
    init?(mosquittoSubLine line: Substring) {
        guard line.hasPrefix(Self.linePrefix) else { return nil }
        let rest = line.dropFirst(Self.linePrefix.count)
        guard let space = rest.firstIndex(of: " ") else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rest.distance(from: rest.startIndex, to: space) / 2)
        var digits = rest[..<space].makeIterator()
        while let high = digits.next() {
            guard let low = digits.next(), let value = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(value)
        }
        self.init(topic: String(rest[rest.index(after: space)...]), payload: bytes)
    }

    /// The `-F` format that ``init(mosquittoSubLine:)`` reads.
    static let mosquittoSubFormat = "MSG %x %t"
    private static let linePrefix = "MSG "
}
