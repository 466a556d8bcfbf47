public import StrictJSON

extension DriveCommand {
    /// The command as the wire object that ``DriveCommandParser`` reads back to an equal command:
    /// `{"action":…,"speed":…,"durationMs":…,"id":…}` or `{"left":…,"right":…,"durationMs":…,"id":…}`.
    public var jsonValue: JSONValue {
        var object: JSONObject
        switch motion {
        case .action(let action, let speed):
            object = [("action", .string(action.rawValue)), ("speed", .number(speed))]
        case .differential(let left, let right):
            object = [("left", .number(left)), ("right", .number(right))]
        }
        object["durationMs"] = .number(Double(durationMs))
        if let id {
            object["id"] = .string(id)
        }
        return .object(object)
    }

    /// ``jsonValue`` as compact UTF-8 bytes, ready to publish on `<thing>/action`.
    public func jsonBytes() -> [UInt8] {
        jsonValue.serialized()
    }
}
