import StrictJSON

/// A string with substitutions from the trusted context of a received message:
///
/// | substitution     | value                                                                   |
/// |------------------|-------------------------------------------------------------------------|
/// | `${accountId}`   | the source account's id (from the config, never from the message)       |
/// | `${topic}`       | the whole topic the message arrived on                                  |
/// | `${topic(n)}`    | its n-th level, 1-based (`topic(2)` of `a/b/c` is `b`), as AWS IoT SQL  |
/// | `${timestamp}`   | the receive time, milliseconds since the Unix epoch (a number alone)    |
/// | `${messageId}`   | the relay's stable id of the message                                    |
/// | `${rule}`        | the rule's name                                                         |
/// | `${clientId}`    | the publishing client's id — only where the broker binds a topic level to it (see `clientIdTopicLevel`) |
public struct FieldTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case accountID
        case topic
        case topicLevel(Int)
        case timestamp
        case messageID
        case rule
        case clientID
    }

    /// What is known when the config loads.
    public struct StaticContext: Sendable {
        public var accountID: String
        public var rule: String
        public init(accountID: String, rule: String) {
            self.accountID = accountID
            self.rule = rule
        }
    }

    /// What is known when a message arrives.
    struct MessageContext {
        var topic: String
        var accountID: String
        var receivedAt: Int64
        var messageID: String
        var rule: String
        /// The topic level the source account's broker binds to the publishing client's id, 1-based.
        var clientIDLevel: Int?

        /// Topic level `n` (1-based), or "" past the last; split only when a template asks.
        func level(_ n: Int) -> String {
            guard n >= 1 else { return "" }
            let levels = topic.split(separator: "/", maxSplits: n, omittingEmptySubsequences: false)
            return n <= levels.count ? String(levels[n - 1]) : ""
        }
    }

    let parts: [Part]

    init(parts: [Part]) { self.parts = parts }

    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.indices.first(where: { rest[$0] == "$" && rest[rest.index(after: $0)...].first == "{" }) {
            literal += rest[..<dollar]
            let open = rest.index(dollar, offsetBy: 2)
            guard let end = rest[open...].firstIndex(of: "}") else {
                throw TemplateError("\"\(text)\": \"${\" without a closing \"}\"")
            }
            let name = rest[open..<end].trimmingSpaces()
            if !literal.isEmpty {
                parts.append(.literal(literal))
                literal = ""
            }
            parts.append(try Self.part(named: name, in: text))
            rest = rest[rest.index(after: end)...]
        }
        literal += rest
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    private static func part(named name: Substring, in text: String) throws(TemplateError) -> Part {
        switch name {
        case "accountId": return .accountID
        case "topic", "topic()": return .topic
        case "timestamp", "timestamp()": return .timestamp
        case "messageId": return .messageID
        case "rule": return .rule
        case "clientId", "clientid()": return .clientID
        default:
            if name.hasPrefix("topic("), name.hasSuffix(")"), let n = Int(name.dropFirst(6).dropLast()), n >= 1 {
                return .topicLevel(n)
            }
            throw TemplateError(
                "\"\(text)\": unknown substitution ${\(name)}; expected accountId, topic, topic(n) with n ≥ 1, "
                    + "timestamp, messageId, rule or clientId")
        }
    }

    /// Whether the template uses `${clientId}`.
    var usesClientID: Bool { parts.contains(.clientID) }

    /// Substitutes what the config already knows.
    func resolvingStatic(_ context: StaticContext) -> FieldTemplate {
        var merged: [Part] = []
        for part in parts {
            let resolved: Part
            switch part {
            case .accountID: resolved = .literal(context.accountID)
            case .rule: resolved = .literal(context.rule)
            default: resolved = part
            }
            if case .literal(let text) = resolved, case .literal(let previous)? = merged.last {
                merged[merged.count - 1] = .literal(previous + text)
            } else {
                merged.append(resolved)
            }
        }
        return FieldTemplate(parts: merged)
    }

    /// The value for one message: a number for a lone `${timestamp}`, else a string.
    func render(_ context: MessageContext) -> JSONValue {
        if parts == [.timestamp] { return .number(Double(context.receivedAt)) }
        return .string(renderString(context))
    }

    func renderString(_ context: MessageContext) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .accountID: out += context.accountID
            case .topic: out += context.topic
            case .topicLevel(let n): out += context.level(n)
            case .timestamp: out += String(context.receivedAt)
            case .messageID: out += context.messageID
            case .rule: out += context.rule
            case .clientID: out += context.clientIDLevel.map { context.level($0) } ?? ""
            }
        }
        return out
    }
}

/// A template that does not parse, or uses a substitution where it is not allowed.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
