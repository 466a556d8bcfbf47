/// An MQTT topic filter (`data/+/temperature`, `cross_account_hooks/#`), optionally a shared subscription
/// (`$share/<group>/<filter>`: the broker hands each message to one member of the group).
public struct TopicFilter: Sendable, Equatable, CustomStringConvertible {
    /// The filter as subscribed, `$share/…` prefix included.
    public let subscription: String
    /// The filter that topics are matched against (without any `$share/<group>/` prefix).
    public let filter: String
    private let levels: [Substring]

    /// Validates a filter: `#` only as the whole last level, `+` only as a whole level, no empty filter.
    public init(_ text: String, shareGroup: String? = nil) throws(TopicError) {
        guard !text.isEmpty else { throw TopicError("is empty") }
        guard !text.hasPrefix("$share/") else {
            throw TopicError("\"\(text)\": give the shared-subscription group as source.shareGroup, not in the topic")
        }
        let levels = text.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#"), level != "#" || index != levels.count - 1 {
                throw TopicError("\"\(text)\": \"#\" must be a whole level and the last one")
            }
            if level.contains("+"), level != "+" {
                throw TopicError("\"\(text)\": \"+\" must be a whole level")
            }
        }
        if let group = shareGroup {
            guard !group.isEmpty, !group.contains(where: { "/+#".contains($0) }) else {
                throw TopicError("share group \"\(group)\" must be non-empty and contain no '/', '+' or '#'")
            }
        }
        self.filter = text
        self.subscription = shareGroup.map { "$share/\($0)/\(text)" } ?? text
        self.levels = levels
    }

    /// Whether a published topic matches (MQTT 3.1.1 §4.7: `+` one level, `#` this level and below; wildcards
    /// at the first level do not match topics starting with `$`).
    public func matches(_ topic: String) -> Bool {
        let topicLevels = topic.split(separator: "/", omittingEmptySubsequences: false)
        if topic.hasPrefix("$"), let first = levels.first, first == "+" || first == "#" { return false }
        var index = 0
        for level in levels {
            if level == "#" { return true }
            guard index < topicLevels.count else { return false }
            if level != "+", level != topicLevels[index] { return false }
            index += 1
        }
        return index == topicLevels.count
    }

    /// Whether every topic that `template` can produce matches this filter. A level that is only known when a
    /// message arrives (``TopicTemplate/Level/variable``) is covered by `+` or `#` only.
    public func covers(_ template: TopicTemplate) -> Bool {
        let produced = template.levels
        var index = 0
        for level in levels {
            if level == "#" { return true }
            guard index < produced.count else { return false }
            switch produced[index] {
            case .variable: if level != "+" { return false }
            case .literal(let text): if level != "+", level != text { return false }
            }
            index += 1
        }
        return index == produced.count
    }

    public var description: String { subscription }
}

/// A topic or filter that does not parse.
public struct TopicError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
