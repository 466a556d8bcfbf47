import EventPattern
public import JSONConfig
import StrictJSON

#if canImport(Glibc)
    import Glibc
#endif

extension RelayConfig {
    /// Reads and validates the `relay` section. Every error names its key path; rules that cross accounts
    /// without a grant, patterns with unknown operators, and templates with unknown substitutions are refused here,
    /// not when the first message arrives.
    public static func parse(
        _ reader: ConfigReader, directory: String, unknown: inout [String]
    ) throws(ConfigError) -> RelayConfig {
        unknown += reader.unknownKeys(known: ["queue", "accounts", "rules"])
        var queuePath = FileAccess.resolve("relay.db", against: directory)
        // `full` by default: an acknowledged message survives a power cut too, at no measured cost (docs/RELAY.md).
        var durability = Durability.full
        if let queue = try reader.object("queue") {
            if let path = try queue.string("path") { queuePath = FileAccess.resolve(path, against: directory) }
            if let text = try queue.string("durability") {
                guard let value = Durability(rawValue: text) else {
                    throw ConfigError(queue.keyPath("durability"), "\"\(text)\" is not normal or full")
                }
                durability = value
            }
            unknown += queue.unknownKeys(known: ["path", "durability"])
        }

        guard let accountsReader = try reader.object("accounts"), !accountsReader.object.isEmpty else {
            throw ConfigError(reader.keyPath("accounts"), "is required: name at least one broker connection")
        }
        var accounts: [String: Account] = [:]
        for (name, _) in accountsReader.object {
            guard let account = try accountsReader.object(name) else { continue }
            accounts[name] = try parseAccount(name: name, account, directory: directory, unknown: &unknown)
        }
        for account in accounts.values {
            for (index, grant) in account.grants.enumerated() where accounts[grant.from] == nil {
                throw ConfigError(
                    "\(accountsReader.keyPath(account.name)).grants[\(index)].from",
                    "no account named \"\(grant.from)\" (accounts: \(accounts.keys.sorted().joined(separator: ", ")))")
            }
        }

        var rules: [Rule] = []
        for rule in try reader.objectArray("rules") ?? [] {
            let parsed = try parseRule(rule, accounts: accounts, unknown: &unknown)
            if rules.contains(where: { $0.name == parsed.name }) {
                throw ConfigError(rule.keyPath("name"), "\"\(parsed.name)\" is used by another rule")
            }
            try checkGrants(parsed, accounts: accounts, reader: rule)
            rules.append(parsed)
        }
        return RelayConfig(queuePath: queuePath, durability: durability, accounts: accounts, rules: rules)
    }

    private static func parseAccount(
        name: String, _ reader: ConfigReader, directory: String, unknown: inout [String]
    ) throws(ConfigError) -> Account {
        unknown += reader.unknownKeys(known: ["accountId", "mqtt", "sqs", "grants", "clientIdTopicLevel"])
        var account = Account(
            name: name, accountID: try reader.requiredString("accountId"), grants: [],
            clientIDTopicLevel: try reader.int("clientIdTopicLevel", in: 1...64))
        if let mqtt = try reader.object("mqtt") {
            var settings = try MQTTSettings.parse(mqtt, directory: directory)
            // MQTT v5 unless told otherwise: its PUBACK says when a broker refuses a message (v3.1.1 acks it anyway).
            if !mqtt.has("protocolVersion") { settings.protocolVersion = 5 }
            var section = AccountMQTT(settings: settings, clientID: try mqtt.string("clientId") ?? "relay-\(name)")
            section.maxInflight = try mqtt.int("maxInflight", in: 1...65_535) ?? section.maxInflight
            account.mqtt = section
            unknown += mqtt.unknownKeys(known: MQTTSettings.keys.union(["clientId", "maxInflight"]))
        }
        if let sqs = try reader.object("sqs") {
            let region = try sqs.requiredString("region")
            func credential(_ key: String, env: String) throws(ConfigError) -> String? {
                if let value = try sqs.string(key) { return value }
                return getenv(env).map { String(cString: $0) }
            }
            guard let keyID = try credential("accessKeyId", env: "AWS_ACCESS_KEY_ID"),
                let secret = try credential("secretAccessKey", env: "AWS_SECRET_ACCESS_KEY")
            else {
                throw ConfigError(
                    sqs.path,
                    "needs credentials: accessKeyId and secretAccessKey here, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in robot-server's environment"
                )
            }
            var section = AccountSQS(
                endpoint: try sqs.string("endpoint") ?? "https://sqs.\(region).amazonaws.com", region: region,
                accessKeyID: keyID, secretAccessKey: secret,
                sessionToken: try credential("sessionToken", env: "AWS_SESSION_TOKEN"))
            section.concurrency = try sqs.int("concurrency", in: 1...64) ?? section.concurrency
            account.sqs = section
            unknown += sqs.unknownKeys(known: [
                "endpoint", "region", "accessKeyId", "secretAccessKey", "sessionToken", "concurrency",
            ])
        }
        guard account.mqtt != nil || account.sqs != nil else {
            throw ConfigError(reader.path, "needs an mqtt or an sqs section (or both)")
        }
        for grant in try reader.objectArray("grants") ?? [] {
            unknown += grant.unknownKeys(known: ["from", "topics", "queues"])
            var topics: [TopicFilter] = []
            for (index, text) in (try grant.stringArray("topics") ?? []).enumerated() {
                do throws(TopicError) {
                    topics.append(try TopicFilter(text))
                } catch {
                    throw ConfigError("\(grant.keyPath("topics"))[\(index)]", error.message)
                }
            }
            let queues = try grant.stringArray("queues") ?? []
            guard !topics.isEmpty || !queues.isEmpty else {
                throw ConfigError(grant.path, "grants nothing: list topics (filters) and/or queues")
            }
            account.grants.append(Grant(from: try grant.requiredString("from"), topics: topics, queues: queues))
        }
        return account
    }

    private static func parseRule(
        _ reader: ConfigReader, accounts: [String: Account], unknown: inout [String]
    ) throws(ConfigError) -> Rule {
        unknown += reader.unknownKeys(known: [
            "name", "source", "filter", "set", "require", "targets", "errorAction", "maxAttempts", "retry",
        ])
        let name = try reader.requiredString("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ConfigError(reader.keyPath("name"), "\"\(name)\" must be letters, digits, '-', '_' or '.'")
        }
        guard let source = try reader.object("source") else {
            throw ConfigError(reader.keyPath("source"), "is required: {\"account\": …, \"topic\": …}")
        }
        unknown += source.unknownKeys(known: ["account", "topic", "shareGroup"])
        let sourceAccount = try account(source, "account", in: accounts, needs: .mqtt)
        let filter: TopicFilter
        let topicText = try source.requiredString("topic")
        let shareGroup = try source.string("shareGroup")
        do throws(TopicError) {
            filter = try TopicFilter(topicText, shareGroup: shareGroup)
        } catch {
            throw ConfigError(source.keyPath("topic"), error.message)
        }
        let context = FieldTemplate.StaticContext(accountID: sourceAccount.accountID, rule: name)

        var rule = Rule(
            name: name, sourceAccount: sourceAccount.name, source: filter, filter: nil, set: [], require: [], targets: [])
        if let pattern = reader.object["filter"] {
            do throws(EventPatternError) {
                rule.filter = try EventPattern(pattern)
            } catch {
                let path = error.path.isEmpty ? reader.keyPath("filter") : "\(reader.keyPath("filter")).\(error.path)"
                throw ConfigError(path, error.message)
            }
        }
        if let set = try reader.object("set") {
            for (field, value) in set.object {
                let path = field.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                guard !path.contains(where: \.isEmpty) else {
                    throw ConfigError(set.keyPath(field), "is not a field path (dotted names, none empty)")
                }
                guard case .string(let text) = value else {
                    rule.set.append((path, .constant(value)))
                    continue
                }
                let template: FieldTemplate
                do throws(TemplateError) {
                    template = try FieldTemplate(text)
                } catch {
                    throw ConfigError(set.keyPath(field), error.message)
                }
                if template.usesClientID, sourceAccount.clientIDTopicLevel == nil {
                    throw ConfigError(
                        set.keyPath(field),
                        "${clientId} needs relay.accounts.\(sourceAccount.name).clientIdTopicLevel: the broker does not tell subscribers who published, so the relay can only trust a topic level the broker's ACL binds to the client id"
                    )
                }
                rule.set.append((path, .template(template.resolvingStatic(context))))
            }
        }
        rule.require = (try reader.stringArray("require") ?? []).map {
            $0.split(separator: ".").map(String.init)
        }
        guard let targets = try reader.objectArray("targets"), !targets.isEmpty else {
            throw ConfigError(reader.keyPath("targets"), "is required: at least one of mqtt, sqs or webhook")
        }
        for target in targets {
            rule.targets.append(try parseTarget(target, accounts: accounts, context: context, unknown: &unknown))
        }
        if let errorAction = try reader.object("errorAction") {
            rule.errorAction = try parseTarget(errorAction, accounts: accounts, context: context, unknown: &unknown)
        }
        rule.maxAttempts = try reader.int("maxAttempts", in: 1...1_000_000) ?? rule.maxAttempts
        if let retry = try reader.object("retry") {
            unknown += retry.unknownKeys(known: ["initialMs", "maxMs"])
            rule.retryInitialMs = try retry.int("initialMs", in: 1...600_000) ?? rule.retryInitialMs
            rule.retryMaxMs = try retry.int("maxMs", in: rule.retryInitialMs...3_600_000) ?? rule.retryMaxMs
        }
        return rule
    }

    private enum Need { case mqtt, sqs }

    private static func account(
        _ reader: ConfigReader, _ key: String, in accounts: [String: Account], needs: Need
    ) throws(ConfigError) -> Account {
        let name = try reader.requiredString(key)
        guard let account = accounts[name] else {
            throw ConfigError(
                reader.keyPath(key),
                "no account named \"\(name)\" (accounts: \(accounts.keys.sorted().joined(separator: ", ")))")
        }
        switch needs {
        case .mqtt where account.mqtt == nil:
            throw ConfigError(reader.keyPath(key), "account \"\(name)\" has no mqtt section")
        case .sqs where account.sqs == nil:
            throw ConfigError(reader.keyPath(key), "account \"\(name)\" has no sqs section")
        default: return account
        }
    }

    private static func parseTarget(
        _ reader: ConfigReader, accounts: [String: Account], context: FieldTemplate.StaticContext,
        unknown: inout [String]
    ) throws(ConfigError) -> Target {
        let kinds = ["mqtt", "sqs", "webhook"].filter { reader.has($0) }
        guard kinds.count == 1, let kind = kinds.first, let section = try reader.object(kind) else {
            throw ConfigError(reader.path, "needs exactly one of mqtt, sqs or webhook (found \(kinds.count))")
        }
        unknown += reader.unknownKeys(known: ["mqtt", "sqs", "webhook"])
        switch kind {
        case "mqtt":
            unknown += section.unknownKeys(known: ["account", "topic", "qos"])
            let account = try account(section, "account", in: accounts, needs: .mqtt).name
            let topic: TopicTemplate
            let topicText = try section.requiredString("topic")
            do throws(TemplateError) {
                // `${accountId}` is the source account's id everywhere, destination topics included.
                topic = try TopicTemplate(topicText, context: context)
            } catch {
                throw ConfigError(section.keyPath("topic"), error.message)
            }
            return .mqtt(account: account, topic: topic, qos: Int32(try section.int("qos", in: 0...1) ?? 1))
        case "sqs":
            unknown += section.unknownKeys(known: ["account", "queue", "base64"])
            let account = try account(section, "account", in: accounts, needs: .sqs).name
            let queue = try section.requiredString("queue")
            guard !queue.isEmpty, queue.count <= 80,
                queue.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) })
                    || (queue.hasSuffix(".fifo") && queue.count > 5)
            else {
                throw ConfigError(section.keyPath("queue"), "\"\(queue)\" is not an SQS queue name (1–80 of A–Z a–z 0–9 - _)")
            }
            return .sqs(account: account, queue: queue, base64: try section.bool("base64") ?? false)
        default:
            unknown += section.unknownKeys(known: ["url", "headers", "timeoutMs"])
            let url = try section.requiredString("url")
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw ConfigError(section.keyPath("url"), "\"\(url)\" is not an http(s) URL")
            }
            var headers: [(String, String)] = []
            if let object = try section.object("headers") {
                for (name, value) in object.object {
                    guard case .string(let text) = value else {
                        throw ConfigError(object.keyPath(name), "must be a string")
                    }
                    headers.append((name, text))
                }
            }
            return .webhook(
                url: url, headers: headers, timeoutMs: try section.int("timeoutMs", in: 100...120_000) ?? 10_000)
        }
    }

    private static func known(
        _ name: String, in accounts: [String: Account], at path: String
    ) throws(ConfigError) -> Account {
        guard let account = accounts[name] else { throw ConfigError(path, "no account named \"\(name)\"") }
        return account
    }

    /// A rule may deliver into another account only where that account granted the source account.
    private static func checkGrants(
        _ rule: Rule, accounts: [String: Account], reader: ConfigReader
    ) throws(ConfigError) {
        // Every account a rule names was looked up when its section was read (``account(_:_:in:needs:)``); a
        // missing one here is refused rather than let through unchecked.
        let source = try known(rule.sourceAccount, in: accounts, at: reader.keyPath("source"))
        var all = rule.targets.enumerated().map { (reader.keyPath("targets[\($0.offset)]"), $0.element) }
        if let errorAction = rule.errorAction { all.append((reader.keyPath("errorAction"), errorAction)) }
        for (path, target) in all {
            switch target {
            case .mqtt(let name, let topic, _) where name != source.name:
                let destination = try known(name, in: accounts, at: path)
                let grants = destination.grants.filter { $0.from == source.name }
                guard grants.contains(where: { $0.topics.contains { $0.covers(topic) } }) else {
                    throw ConfigError(
                        path,
                        "rule \"\(rule.name)\" publishes from account \"\(source.name)\" (\(source.accountID)) to account \"\(name)\" (\(destination.accountID)) on \"\(topic.text)\", but \"\(name)\" has no grant from \"\(source.name)\" covering that topic — add {\"from\": \"\(source.name)\", \"topics\": [\"…\"]} to relay.accounts.\(name).grants"
                    )
                }
            case .sqs(let name, let queue, _) where name != source.name:
                let destination = try known(name, in: accounts, at: path)
                let grants = destination.grants.filter { $0.from == source.name }
                guard grants.contains(where: { $0.queues.contains(queue) }) else {
                    throw ConfigError(
                        path,
                        "rule \"\(rule.name)\" sends from account \"\(source.name)\" (\(source.accountID)) to queue \"\(queue)\" of account \"\(name)\" (\(destination.accountID)), but \"\(name)\" has no grant from \"\(source.name)\" for that queue — add {\"from\": \"\(source.name)\", \"queues\": [\"\(queue)\"]} to relay.accounts.\(name).grants"
                    )
                }
            default: continue
            }
        }
    }
}
