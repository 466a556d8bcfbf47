import EventPattern
import StrictJSON

/// What a rule makes of one received message: pure, so every branch is unit-tested without a broker.
enum RuleOutcome: Equatable {
    /// The payload does not match the rule's filter: nothing to do.
    case filteredOut
    /// Deliver this payload (the original bytes when the rule neither filters nor sets nor requires).
    case deliver([UInt8])
    /// The message cannot be delivered as the rule asks (not JSON, a required field missing): error action.
    case reject(reason: String)
}

extension RelayConfig.Rule {
    /// Applies `filter`, then `set` (trusted values overwrite what the publisher sent), then `require`.
    func evaluate(payload: [UInt8], context: FieldTemplate.MessageContext) -> RuleOutcome {
        guard needsJSON else { return .deliver(payload) }
        let document: JSONValue
        let layout: JSONObjectLayout?
        do throws(JSONParseError) {
            (document, layout) = try JSONParser.parseKeepingLayout(payload)
        } catch {
            return .reject(reason: "the payload is not JSON: \(error)")
        }
        if let filter, !filter.matches(document) { return .filteredOut }
        guard !set.isEmpty || !require.isEmpty else { return .deliver(payload) }
        guard case .object(var object) = document else {
            return .reject(reason: "the payload is JSON but not an object (\(document.typeName)); set and require need one")
        }
        let values = set.map { path, value -> (path: [String], value: JSONValue) in
            switch value {
            case .template(let template): (path, template.render(context))
            case .constant(let constant): (path, constant)
            }
        }
        if let layout, setsTopLevelOnly {
            // Top-level fields only: the new values go into the bytes as they came (see JSONObjectLayout).
            for path in require where object[path[0]] == nil && !values.contains(where: { $0.path == path }) {
                return .reject(reason: "required field \(path[0]) is missing")
            }
            return .deliver(layout.setting(values.map { ($0.path[0], $0.value) }, in: payload))
        }
        for (path, value) in values {
            object.assign(value, at: path[...])
        }
        for path in require where object.value(at: path[...]) == nil {
            return .reject(reason: "required field \(path.joined(separator: ".")) is missing")
        }
        return .deliver(JSONValue.object(object).serialized())
    }

    /// Whether every `set` and `require` path is one top-level field.
    var setsTopLevelOnly: Bool {
        self.set.allSatisfy { $0.path.count == 1 } && require.allSatisfy { $0.count == 1 }
    }
}

extension JSONObject {
    /// Sets the value at a dotted path, replacing whatever was there and creating objects on the way.
    mutating func assign(_ value: JSONValue, at path: ArraySlice<String>) {
        guard let key = path.first else { return }
        if path.count == 1 {
            self[key] = value
            return
        }
        var child: JSONObject
        if case .object(let existing)? = self[key] { child = existing } else { child = JSONObject() }
        child.assign(value, at: path.dropFirst())
        self[key] = .object(child)
    }

    /// The value at a dotted path, or nil when any step is missing or not an object.
    func value(at path: ArraySlice<String>) -> JSONValue? {
        guard let key = path.first, let value = self[key] else { return nil }
        if path.count == 1 { return value }
        guard case .object(let child) = value else { return nil }
        return child.value(at: path.dropFirst())
    }
}
