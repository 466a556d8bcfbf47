public import StrictJSON

/// Turns a `<thing>/action` payload into a ``DriveCommand``, or says exactly why not.
///
/// The rules (DESIGN.md, "Drive protocol"): at most ``maxPayloadBytes`` of UTF-8 holding one JSON object;
/// either `action` (forward, backwards or its alias backward, left, right, stop; lower-case, case-sensitive)
/// with an optional `speed` in 0…1, or both `left` and `right` in −1…1; optional `durationMs`, an integer in
/// 1…5000; optional `id`, a string of at most 64 characters. Numbers must be JSON numbers (a string is not
/// coerced) and `null` counts as the wrong type. Unknown fields are ignored so newer clients keep working.
/// `action` with `left`/`right` is ambiguous and rejected; so is `speed` with `left`/`right`, because the
/// differential throttles already say how fast.
public enum DriveCommandParser {
    /// The largest payload accepted, in bytes.
    public static let maxPayloadBytes = 4096

    /// Parses a payload.
    public static func parse(_ payload: [UInt8], defaults: DriveDefaults) throws(CommandRejection) -> DriveCommand {
        let result = payload.withUnsafeBytes { bytes in
            Result { () throws(CommandRejection) in try parse(bytes, defaults: defaults) }
        }
        return try result.get()
    }

    /// Parses a payload in borrowed memory, e.g. an MQTT message buffer.
    public static func parse(
        _ payload: UnsafeRawBufferPointer, defaults: DriveDefaults
    ) throws(CommandRejection) -> DriveCommand {
        guard payload.count <= maxPayloadBytes else {
            throw CommandRejection(reason: "payload is \(payload.count) bytes; the limit is \(maxPayloadBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(payload)
        } catch {
            throw CommandRejection(reason: error.description)
        }
        return try command(from: value, defaults: defaults)
    }

    /// Parses a payload held in any byte collection, e.g. an `ArraySlice<UInt8>` or a `String.UTF8View`.
    public static func parse(
        _ payload: some Collection<UInt8>, defaults: DriveDefaults
    ) throws(CommandRejection) -> DriveCommand {
        try parse(Array(payload), defaults: defaults)
    }

    /// Checks an already parsed JSON value against the command rules.
    public static func command(
        from value: JSONValue, defaults: DriveDefaults
    ) throws(CommandRejection) -> DriveCommand {
        guard case .object(let object) = value else {
            throw CommandRejection(reason: "command must be a JSON object, got \(value.typeName)")
        }
        let id = try commandID(in: object)
        do {
            let motion = try motion(in: object, defaults: defaults)
            let durationMs = try durationMs(in: object, defaults: defaults)
            return DriveCommand(motion: motion, durationMs: durationMs, id: id)
        } catch {
            throw CommandRejection(reason: error.reason, id: id)
        }
    }

    private static func commandID(in object: JSONObject) throws(CommandRejection) -> String? {
        guard let value = object["id"] else { return nil }
        guard case .string(let id) = value else {
            throw CommandRejection(reason: "id must be a string, got \(describe(value))")
        }
        let length = id.unicodeScalars.count
        guard length <= DriveCommand.maxIDLength else {
            throw CommandRejection(
                reason: "id must be at most \(DriveCommand.maxIDLength) characters, got \(length)")
        }
        return id
    }

    private static func motion(
        in object: JSONObject, defaults: DriveDefaults
    ) throws(CommandRejection) -> DriveCommand.Motion {
        let action = object["action"]
        let left = object["left"]
        let right = object["right"]
        switch (action, left, right) {
        case (let action?, nil, nil):
            let parsed = try driveAction(action)
            let speed = try number(object["speed"], named: "speed", in: 0...1, default: defaults.speed)
            return .action(parsed, speed: speed)
        case (_?, _, _):
            throw CommandRejection(reason: #"ambiguous command: "action" together with "left"/"right""#)
        case (nil, let left?, let right?):
            if object["speed"] != nil {
                throw CommandRejection(reason: #"ambiguous command: "speed" together with "left" and "right""#)
            }
            return .differential(
                left: try number(left, named: "left", in: -1...1, default: 0),
                right: try number(right, named: "right", in: -1...1, default: 0))
        case (nil, _?, nil):
            throw CommandRejection(reason: #""left" needs "right" too"#)
        case (nil, nil, _?):
            throw CommandRejection(reason: #""right" needs "left" too"#)
        case (nil, nil, nil):
            throw CommandRejection(reason: #"command needs "action" or "left" and "right""#)
        }
    }

    private static func driveAction(_ value: JSONValue) throws(CommandRejection) -> DriveAction {
        guard case .string(let name) = value else {
            throw CommandRejection(reason: "action must be a string, got \(describe(value))")
        }
        guard let action = DriveAction(wireName: name) else {
            let expected = DriveAction.allCases.map(\.rawValue).joined(separator: ", ")
            throw CommandRejection(reason: "unknown action \(quoted(name)); expected \(expected)")
        }
        return action
    }

    /// The finite number in `range`, or `fallback` when the field is absent.
    private static func number(
        _ value: JSONValue?, named name: String, in range: ClosedRange<Double>, default fallback: Double
    ) throws(CommandRejection) -> Double {
        guard let value else { return fallback }
        guard case .number(let number) = value else {
            throw CommandRejection(reason: "\(name) must be a number, got \(describe(value))")
        }
        guard range.contains(number) else {
            let bounds = "between \(format(range.lowerBound)) and \(format(range.upperBound))"
            throw CommandRejection(reason: "\(name) must be \(bounds), got \(format(number))")
        }
        return number
    }

    private static func durationMs(in object: JSONObject, defaults: DriveDefaults) throws(CommandRejection) -> Int {
        guard let value = object["durationMs"] else { return defaults.durationMs }
        guard case .number(let number) = value else {
            throw CommandRejection(reason: "durationMs must be a number, got \(describe(value))")
        }
        let range = DriveCommand.durationRange
        guard let milliseconds = Int(exactly: number), range.contains(milliseconds) else {
            throw CommandRejection(
                reason: "durationMs must be an integer between \(range.lowerBound) and \(range.upperBound), "
                    + "got \(format(number))")
        }
        return milliseconds
    }
}
