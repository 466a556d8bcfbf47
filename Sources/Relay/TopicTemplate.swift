/// A destination topic with substitutions (`debug/${topic(2)}/${accountId}`), split into levels so grants can be
/// checked against it when the config loads.
public struct TopicTemplate: Sendable, Equatable, CustomStringConvertible {
    public enum Level: Sendable, Equatable {
        /// Known when the config loads (a literal, or `${accountId}` / `${rule}` already substituted).
        case literal(String)
        /// Known only when a message arrives (`${topic(2)}`).
        case variable
    }

    public let text: String
    let template: FieldTemplate
    /// The levels as far as the config knows them.
    public let levels: [Level]
    /// The topic, when no substitution in it depends on the message: then it is not rendered per message.
    public let constant: String?

    /// Parses `text`; `${accountId}` and `${rule}` are substituted now from `context`. Only substitutions that
    /// yield exactly one topic level are allowed (`${topic(n)}`, `${accountId}`, `${rule}`), so a publisher can never
    /// steer a message into another level of the hierarchy.
    public init(_ text: String, context: FieldTemplate.StaticContext) throws(TemplateError) {
        let parsed = try FieldTemplate(text)
        for part in parsed.parts {
            switch part {
            case .literal(let literal) where literal.contains("+") || literal.contains("#"):
                throw TemplateError("\"\(text)\": a destination topic cannot contain the wildcards + or #")
            case .topicLevel, .accountID, .rule, .literal: continue
            default:
                throw TemplateError(
                    "\"\(text)\": only ${topic(n)}, ${accountId} and ${rule} may appear in a topic (one level each)")
            }
        }
        let resolved = parsed.resolvingStatic(context)
        var levels: [Level] = []
        var current: [FieldTemplate.Part] = []
        func close() {
            if current.allSatisfy({ if case .literal = $0 { true } else { false } }) {
                levels.append(.literal(current.map { if case .literal(let t) = $0 { t } else { "" } }.joined()))
            } else {
                levels.append(.variable)
            }
            current = []
        }
        for part in resolved.parts {
            if case .literal(let literal) = part {
                var pieces = literal.split(separator: "/", omittingEmptySubsequences: false)
                current.append(.literal(String(pieces.removeFirst())))
                for piece in pieces {
                    close()
                    current.append(.literal(String(piece)))
                }
            } else {
                current.append(part)
            }
        }
        close()
        guard !text.isEmpty else { throw TemplateError("a destination topic cannot be empty") }
        self.text = text
        self.template = resolved
        self.levels = levels
        let literals = levels.compactMap { if case .literal(let text) = $0 { text } else { nil } }
        self.constant = literals.count == levels.count ? literals.joined(separator: "/") : nil
    }

    /// The topic for one message.
    func render(_ context: FieldTemplate.MessageContext) -> String {
        template.renderString(context)
    }

    public var description: String { text }
}
