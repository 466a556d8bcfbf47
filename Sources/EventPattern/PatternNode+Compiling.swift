import StrictJSON

extension PatternNode {
    /// The key that combines alternative patterns, as EventBridge spells it.
    static let orKey = "$or"

    /// Compiles the pattern object at `path` (`""` for the root).
    init(_ object: JSONObject, path: String) throws(EventPatternError) {
        for (key, value) in object {
            let keyPath = Self.path(path, key)
            if key == Self.orKey {
                orGroups.append(try Self.orGroup(value, path: keyPath))
                continue
            }
            switch value {
            case .array(let alternatives):
                fields.append(
                    Field(key: key, matcher: .leaf(Shared(try LeafMatcher(alternatives: alternatives, path: keyPath)))))
            case .object(let nested):
                fields.append(Field(key: key, matcher: .nested(Shared(try PatternNode(nested, path: keyPath)))))
            case .null, .bool, .number, .string:
                throw EventPatternError(
                    path: keyPath, message: Self.notAnArrayMessage(key: key, value: value, parentPath: path))
            }
        }
        matchesMissing =
            fields.allSatisfy { field in
                switch field.matcher {
                case .leaf(let leaf): leaf.value.matchesMissing
                case .nested(let node): node.value.matchesMissing
                }
            } && orGroups.allSatisfy { group in group.contains(where: \.value.matchesMissing) }
    }

    private static func orGroup(
        _ value: JSONValue, path: String
    ) throws(EventPatternError) -> [Shared<PatternNode>] {
        guard case .array(let alternatives) = value else {
            throw EventPatternError(
                path: path,
                message: #""$or" needs an array of at least 2 patterns, e.g. [{"a": ["x"]}, {"b": ["y"]}]; "#
                    + "got \(value.summary())"
            )
        }
        guard alternatives.count >= 2 else {
            throw EventPatternError(
                path: path,
                message: #""$or" needs at least 2 alternative patterns, got \#(alternatives.count); "#
                    + "a single pattern needs no $or"
            )
        }
        var nodes: [Shared<PatternNode>] = []
        for (index, alternative) in alternatives.enumerated() {
            let alternativePath = "\(path)[\(index)]"
            guard case .object(let object) = alternative else {
                throw EventPatternError(
                    path: alternativePath,
                    message: #"each "$or" alternative must be a pattern object, got \#(alternative.summary())"#
                )
            }
            nodes.append(Shared(try PatternNode(object, path: alternativePath)))
        }
        return nodes
    }

    private static func notAnArrayMessage(key: String, value: JSONValue, parentPath: String) -> String {
        var message =
            #"expected an array of alternatives (e.g. ["a", {"prefix": "b"}]) or a nested object, "#
            + "got \(value.summary())"
        if LeafMatcher.isOperatorName(key) {
            // `{"location": {"prefix": "NY-"}}` was meant as `{"location": [{"prefix": "NY-"}]}`.
            let field = parentPath.split(separator: ".").last.flatMap { $0.contains("[") ? nil : $0 } ?? "field"
            message += #"; operators go inside the array: "\#(field)": [{"\#(key)": …}]"#
        } else if case .null = value {
            message += "; to match null write [null]"
        } else {
            message += "; wrap the value in an array: [\(value)]"
        }
        return message
    }

    private static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }
}
