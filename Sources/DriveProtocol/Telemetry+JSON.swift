import Basics
public import StrictJSON

extension Telemetry {
    /// The message as a JSON object; see ``Telemetry`` for the key order and rounding.
    public var jsonValue: JSONValue {
        var members: [JSONObject.Element] = [
            ("thingName", .string(thingName)),
            ("event", .string(event.rawValue)),
            ("left", .number(Self.rounded(left))),
            ("right", .number(Self.rounded(right))),
        ]
        members.reserveCapacity(7 + extra.count)
        if let id {
            members.append(("id", .string(id)))
        }
        if let reason {
            members.append(("reason", .string(reason)))
        }
        members.append(("ts", .string(timestamp.iso8601)))
        for member in extra where !Self.standardKeys.contains(member.key) {
            members.append(member)
        }
        return .object(JSONObject(members))
    }

    /// ``jsonValue`` as compact UTF-8, ready to publish.
    public func jsonBytes() -> [UInt8] {
        jsonValue.serialized()
    }

    /// Reads a message written by ``jsonBytes()`` (or a compatible publisher).
    public init(from bytes: [UInt8]) throws(TelemetryDecodingError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw TelemetryDecodingError(reason: "telemetry is not valid JSON: \(error)")
        }
        try self.init(json: value)
    }

    /// Reads a message from parsed JSON. `id` and `reason` may be absent or `null`; other keys become ``extra``.
    public init(json value: JSONValue) throws(TelemetryDecodingError) {
        guard case .object(let object) = value else {
            throw TelemetryDecodingError(reason: "telemetry must be a JSON object, got \(value.typeName)")
        }
        let fields = TelemetryFields(object: object)
        let eventName = try fields.string("event")
        guard let event = TelemetryEvent(rawValue: eventName) else {
            throw TelemetryDecodingError(reason: "unknown telemetry event \(JSONValue.string(eventName))")
        }
        let ts = try fields.string("ts")
        guard let timestamp = Timestamp(iso8601: ts) else {
            throw TelemetryDecodingError(
                reason: "telemetry ts must be an ISO-8601 UTC time, got \(JSONValue.string(ts))")
        }
        self.init(
            thingName: try fields.string("thingName"), event: event,
            left: try fields.number("left"), right: try fields.number("right"),
            id: try fields.optionalString("id"), reason: try fields.optionalString("reason"),
            timestamp: timestamp,
            extra: JSONObject(object.filter { !Self.standardKeys.contains($0.key) }.map { ($0.key, $0.value) }))
    }

    /// `x` rounded to 4 decimals.
    static func rounded(_ throttle: Double) -> Double {
        (throttle * 10_000).rounded() / 10_000
    }
}

/// Typed reads of the standard telemetry fields, with errors that name the field.
private struct TelemetryFields {
    let object: JSONObject

    func string(_ key: String) throws(TelemetryDecodingError) -> String {
        guard let text = try optionalString(key) else {
            throw TelemetryDecodingError(reason: "telemetry needs \"\(key)\"")
        }
        return text
    }

    func optionalString(_ key: String) throws(TelemetryDecodingError) -> String? {
        switch object[key] {
        case .string(let text)?: return text
        case nil, .null?: return nil
        case let other?: throw mismatch(key, expected: "a string", got: other)
        }
    }

    func number(_ key: String) throws(TelemetryDecodingError) -> Double {
        switch object[key] {
        case .number(let number)?: return number
        case nil: throw TelemetryDecodingError(reason: "telemetry needs \"\(key)\"")
        case let other?: throw mismatch(key, expected: "a number", got: other)
        }
    }

    private func mismatch(_ key: String, expected: String, got value: JSONValue) -> TelemetryDecodingError {
        TelemetryDecodingError(reason: "telemetry \(key) must be \(expected), got \(value.typeName)")
    }
}
